/** The AST of an RFC 7644 §3.4.2.2 filter. Attribute names keep the client's spelling; compare them case-insensitively. */

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/** `[urn:...:]attr[.sub]`; `uri` is the schema URN when the path was qualified with one. */
export interface AttrPath {
  uri: string | null;
  attr: string;
  sub: string | null;
}

export type CompValue = string | number | boolean | null;

export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: CompValue }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and'; left: Filter; right: Filter }
  | { kind: 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /** `attr[valFilter]`: some value of the multi-valued attribute matches the inner filter (paths relative to it). */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

/** A PATCH path (§3.5.2): an attribute path, optionally with a value filter and then a sub-attribute. */
export interface PatchPath {
  path: AttrPath;
  filter: Filter | null;
  /** The sub-attribute after `]` (`emails[type eq "work"].value`). */
  subAfterFilter: string | null;
}

/** The path as text (`urn:...:User:name.givenName`), for messages. */
export function pathText(path: AttrPath): string {
  return `${path.uri ? `${path.uri}:` : ''}${path.attr}${path.sub ? `.${path.sub}` : ''}`;
}

/** Prints a filter back in the grammar (parse(print(f)) equals f); used by property tests and logs. */
export function printFilter(f: Filter): string {
  switch (f.kind) {
    case 'compare':
      return `${pathText(f.path)} ${f.op} ${JSON.stringify(f.value)}`;
    case 'present':
      return `${pathText(f.path)} pr`;
    case 'and':
    case 'or':
      return `(${printFilter(f.left)} ${f.kind} ${printFilter(f.right)})`;
    case 'not':
      return `not (${printFilter(f.filter)})`;
    case 'valuePath':
      return `${pathText(f.path)}[${printFilter(f.filter)}]`;
  }
}
