import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { TimeIdPosition } from '../core/cursor.ts';

/** Rows after a (time, id) position, in a list ordered by those two columns (a row comparison, so an index on them serves it). */
export function afterTimeId(timeColumn: string, idColumn: string, after: TimeIdPosition): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(timeColumn)}, ${sql.ref(idColumn)}) > (${after.at}, ${after.id})`;
}

/** A LIKE pattern matching text that contains `needle` (lower-cased, with LIKE's wildcards escaped). */
export function containsPattern(needle: string): string {
  return `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
