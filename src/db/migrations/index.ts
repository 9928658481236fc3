import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.ts';
import * as m0002 from './0002-sign-in.ts';
import * as m0003 from './0003-signin-throttle.ts';
import * as m0004 from './0004-directory.ts';
import * as m0005 from './0005-providers.ts';
import * as m0006 from './0006-tenant-gravatar-pictures.ts';
import * as m0007 from './0007-webhooks.ts';
import * as m0008 from './0008-imports.ts';
import * as m0009 from './0009-groups.ts';
import * as m0009b from './0009b-username.ts';
import * as m0010 from './0010-operators.ts';
import * as m0011 from './0011-perf.ts';
import * as m0012 from './0012-bulk-insert-counts.ts';
import * as m0013 from './0013-webhook-wakeups.ts';
import * as m0014 from './0014-quiet-empty-inserts.ts';
import * as m0015 from './0015-groups-with-roles.ts';

/** Every migration, in order. Names never change once released. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-sign-in': m0002,
  '0003-signin-throttle': m0003,
  '0004-directory': m0004,
  '0005-providers': m0005,
  '0006-tenant-gravatar-pictures': m0006,
  '0007-webhooks': m0007,
  '0008-imports': m0008,
  '0009-groups': m0009,
  '0009b-username': m0009b,
  '0010-operators': m0010,
  '0011-perf': m0011,
  '0012-bulk-insert-counts': m0012,
  '0013-webhook-wakeups': m0013,
  '0014-quiet-empty-inserts': m0014,
  '0015-groups-with-roles': m0015,
};
