/**
 * Instants both JS and PostgreSQL's timestamptz represent and round-trip: years 0001 to 9999 (UTC). JS dates reach
 * ±275760 and PostgreSQL 4713 BC to 294276 AD, but year 0000 and negative or six-digit years are written and read
 * differently by the two (and by the pg driver), so a value outside this range is refused before SQL sees it.
 */
const FIRST_MS = new Date('0001-01-01T00:00:00.000Z').getTime();
const LAST_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

/** True when `ms` (epoch milliseconds) is a storable instant, see above. */
export function isStorableTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= FIRST_MS && ms <= LAST_MS;
}
