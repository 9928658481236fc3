import { ScimError } from './errors.ts';
import { type AttrPath, COMPARE_OPS, type CompareOp, type CompValue, type Filter, type PatchPath } from './filter-ast.ts';

/**
 * Our own recursive-descent parser for the RFC 7644 §3.4.2.2 ABNF:
 *   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 *   valuePath = attrPath "[" valFilter "]"
 *   attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 *   logExp    = FILTER SP ("and" / "or") SP FILTER        ("and" binds tighter than "or")
 *   attrPath  = [URI ":"] ATTRNAME *1subAttr
 * Operators and keywords are case-insensitive; compValue is false / null / true / number / string (JSON).
 */

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: '(' | ')' | '[' | ']'; at: number };

const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 64;

function invalid(message: string): ScimError {
  return new ScimError(400, 'invalidFilter', message);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      tokens.push({ t: c, at: i });
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw invalid(`unterminated string at ${i}`);
      try {
        tokens.push({ t: 'string', v: JSON.parse(text.slice(i, j + 1)) as string, at: i });
      } catch {
        throw invalid(`malformed string at ${i}`);
      }
      i = j + 1;
      continue;
    }
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.:$-])/.exec(text.slice(i));
    if (number) {
      tokens.push({ t: 'number', v: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    // Words: attribute paths (with URN colons, dots, digits, $ref) and keywords.
    const word = /^[A-Za-z_$][\w$:.-]*/.exec(text.slice(i));
    if (!word) throw invalid(`unexpected ${JSON.stringify(c)} at ${i}`);
    tokens.push({ t: 'word', v: word[0], at: i });
    i += word[0].length;
  }
  return tokens;
}

const ATTR_NAME = /^[A-Za-z$][\w$-]*$/;

/**
 * Parses `[urn:...:]attr[.sub]`. A URN prefix is everything up to the last colon.
 * @throws ScimError 400 with the given scimType on a malformed path.
 */
export function parseAttrPath(text: string, scimType: 'invalidFilter' | 'invalidPath' = 'invalidFilter'): AttrPath {
  let uri: string | null = null;
  let rest = text;
  const colon = text.lastIndexOf(':');
  if (colon >= 0) {
    uri = text.slice(0, colon);
    rest = text.slice(colon + 1);
    if (!/^urn:[\w.:-]+$/i.test(uri)) throw new ScimError(400, scimType, `malformed schema URN in ${text}`);
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((p) => ATTR_NAME.test(p))) throw new ScimError(400, scimType, `malformed attribute path ${text}`);
  return { uri, attr: parts[0] as string, sub: parts[1] ?? null };
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private keyword(word: string): boolean {
    const tok = this.peek();
    return tok?.t === 'word' && tok.v.toLowerCase() === word;
  }

  private expect(kind: ')' | ']'): void {
    const tok = this.peek();
    if (tok?.t !== kind) throw invalid(`expected ${kind}${tok ? ` at ${tok.at}` : ' at the end'}`);
    this.i++;
  }

  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  position(): number {
    return this.peek()?.at ?? -1;
  }

  /** FILTER with "or" lowest. */
  filter(depth: number): Filter {
    if (depth > MAX_DEPTH) throw invalid('filter nests too deep');
    let left = this.conjunction(depth);
    while (this.keyword('or')) {
      this.i++;
      left = { kind: 'or', left, right: this.conjunction(depth) };
    }
    return left;
  }

  private conjunction(depth: number): Filter {
    let left = this.unary(depth);
    while (this.keyword('and')) {
      this.i++;
      left = { kind: 'and', left, right: this.unary(depth) };
    }
    return left;
  }

  private unary(depth: number): Filter {
    const tok = this.peek();
    if (!tok) throw invalid('filter ends early');
    if (this.keyword('not') && this.tokens[this.i + 1]?.t === '(') {
      this.i += 2;
      const inner = this.filter(depth + 1);
      this.expect(')');
      return { kind: 'not', filter: inner };
    }
    if (tok.t === '(') {
      this.i++;
      const inner = this.filter(depth + 1);
      this.expect(')');
      return inner;
    }
    if (tok.t !== 'word') throw invalid(`expected an attribute at ${tok.at}`);
    this.i++;
    const path = parseAttrPath(tok.v);
    if (this.peek()?.t === '[') {
      if (path.sub) throw invalid(`a value filter follows an attribute, not a sub-attribute (${tok.v})`);
      this.i++;
      const inner = this.filter(depth + 1);
      this.expect(']');
      return { kind: 'valuePath', path, filter: inner };
    }
    const op = this.peek();
    if (op?.t !== 'word') throw invalid(`expected an operator after ${tok.v}`);
    const name = op.v.toLowerCase();
    this.i++;
    if (name === 'pr') return { kind: 'present', path };
    if (!(COMPARE_OPS as readonly string[]).includes(name)) throw invalid(`unknown operator ${op.v}`);
    return { kind: 'compare', path, op: name as CompareOp, value: this.value() };
  }

  private value(): CompValue {
    const tok = this.peek();
    if (!tok) throw invalid('expected a value at the end');
    this.i++;
    if (tok.t === 'string' || tok.t === 'number') return tok.v;
    if (tok.t === 'word') {
      const word = tok.v.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
    }
    throw invalid(`expected a value at ${tok.at}`);
  }
}

/**
 * Parses a filter expression.
 * @throws ScimError 400 invalidFilter naming where it went wrong.
 */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`a filter is at most ${MAX_FILTER_LENGTH} characters`);
  const parser = new Parser(tokenize(text));
  const filter = parser.filter(0);
  if (!parser.atEnd()) throw invalid(`unexpected text at ${parser.position()}`);
  return filter;
}

/**
 * Parses a PATCH path: `attrPath`, `attrPath[valFilter]` or `attrPath[valFilter].subAttr`.
 * @throws ScimError 400 invalidPath (invalidFilter for a malformed value filter).
 */
export function parsePatchPath(text: string): PatchPath {
  const open = text.indexOf('[');
  if (open < 0) return { path: parseAttrPath(text.trim(), 'invalidPath'), filter: null, subAfterFilter: null };
  const close = text.lastIndexOf(']');
  if (close < open) throw new ScimError(400, 'invalidPath', `unbalanced [ in ${text}`);
  const path = parseAttrPath(text.slice(0, open).trim(), 'invalidPath');
  const filter = parseFilter(text.slice(open + 1, close));
  const after = text.slice(close + 1);
  let subAfterFilter: string | null = null;
  if (after !== '') {
    if (!/^\.[A-Za-z$][\w$-]*$/.test(after)) throw new ScimError(400, 'invalidPath', `malformed path after ] in ${text}`);
    subAfterFilter = after.slice(1);
  }
  return { path, filter, subAfterFilter };
}
