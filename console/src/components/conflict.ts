/** One field of a stale edit: what it was when the operator started, what they typed, what it is now. */
export interface ConflictRow {
  field: string;
  base: unknown;
  mine: unknown;
  theirs: unknown;
  changedByThem: boolean;
  changedByMe: boolean;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The fields that matter after a 412: every field someone else changed, and every field the operator changed.
 * Both flags set means the operator would overwrite someone's change by reapplying: the view says so.
 */
export function conflictRows(
  base: Record<string, unknown>,
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>,
  fields: readonly string[],
): ConflictRow[] {
  const rows: ConflictRow[] = [];
  for (const field of fields) {
    const changedByThem = !same(base[field], theirs[field]);
    const changedByMe = !same(base[field], mine[field]);
    if (changedByThem || changedByMe)
      rows.push({ field, base: base[field], mine: mine[field], theirs: theirs[field], changedByThem, changedByMe });
  }
  return rows;
}

/** The patch that reapplies the operator's own changes (and nothing else) on top of the current version. */
export function reapplyPatch(rows: ConflictRow[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const row of rows) if (row.changedByMe) patch[row.field] = row.mine ?? null;
  return patch;
}
