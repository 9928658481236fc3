/** JSON merge patch of a flat object: null removes a key. */
export function mergeObject<T>(base: Record<string, T>, patch: Record<string, T | null> | null | undefined): Record<string, T> {
  if (patch === undefined) return base;
  if (patch === null) return {};
  const out: Record<string, T> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}
