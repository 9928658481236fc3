import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-sign-in.ts';
import * as m0003 from './0003-signin-throttle.ts';
import * as m0004 from './0004-directory.ts';
import * as m0005 from './0005-providers.ts';
import * as m0006 from './0006-tenant-gravatar-pictures.ts';
import * as m0008 from './0008-imports.ts';

/** Every migration, in order. Names never change once released. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-sign-in': m0002,
  '0003-signin-throttle': m0003,
  '0004-directory': m0004,
  '0005-providers': m0005,
  '0006-tenant-gravatar-pictures': m0006,
  '0008-imports': m0008,
};
