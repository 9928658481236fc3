import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.ts';
import * as m0004 from './0004-directory.ts';

/** Every migration, in order. Names never change once released. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0004-directory': m0004,
};
