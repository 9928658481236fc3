/** The users list's filters as the operator sets them in the form. */
export interface UserFilters {
  q: string;
  status: '' | 'active' | 'deactivated';
  role: string;
  brand: string;
  company: string;
  plan: string;
  createdAfter: string;
  createdBefore: string;
  /** `name=value` of one searchable custom attribute. */
  attribute: string;
}

export const EMPTY_FILTERS: UserFilters = {
  q: '',
  status: '',
  role: '',
  brand: '',
  company: '',
  plan: '',
  createdAfter: '',
  createdBefore: '',
  attribute: '',
};

/**
 * The query string of GET /users for these filters: blanks are left out, dates (yyyy-mm-dd from a date input) become
 * the instants of that day's start (after) and end (before) in UTC, `name=value` becomes `attributes.name=value`.
 */
/** A column sort as the table keeps it, as the list API's `sort` parameter spells it (`-` for descending). */
export function sortParam(sorting: readonly { id: string; desc: boolean }[]): string | null {
  const first = sorting[0];
  return first ? `${first.desc ? '-' : ''}${first.id}` : null;
}

export function filtersToQuery(
  filters: UserFilters,
  page: { cursor?: string | null; limit?: number; count?: boolean; sort?: string | null } = {},
): string {
  const params = new URLSearchParams();
  const q = filters.q.trim();
  if (q) params.set('q', q);
  if (filters.status) params.set('status', filters.status);
  for (const key of ['role', 'brand', 'company', 'plan'] as const) {
    const value = filters[key].trim();
    if (value) params.set(key, value);
  }
  if (filters.createdAfter) params.set('createdAfter', `${filters.createdAfter}T00:00:00.000Z`);
  if (filters.createdBefore) params.set('createdBefore', `${filters.createdBefore}T23:59:59.999Z`);
  const attribute = /^\s*([A-Za-z][A-Za-z0-9_]{0,63})\s*=\s*(.+?)\s*$/.exec(filters.attribute);
  if (attribute) params.set(`attributes.${attribute[1]}`, attribute[2] as string);
  params.set('limit', String(page.limit ?? 25));
  if (page.sort) params.set('sort', page.sort);
  if (page.cursor) params.set('cursor', page.cursor);
  if (page.count) params.set('count', 'true');
  return params.toString();
}
