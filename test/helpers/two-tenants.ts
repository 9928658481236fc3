import { afterAll, beforeAll } from 'vitest';
import { randomIds } from '../../src/core/ids.ts';
import { insertUser, type NewUser } from '../../src/modules/users/users.repository.ts';
import type { UserRow } from '../../src/modules/users/users.table.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from './app.ts';

/** The app and its two tenants; set once the file's beforeAll has run. */
export interface TwoTenants {
  t: TestApp;
  /** The tenant a test writes in. */
  a: TestTenant;
  /** The other tenant, whose id must find and change nothing of a's. */
  b: TestTenant;
}

/**
 * Opens a test app with two tenants before the file's tests and closes it after them: what every repository's
 * other-tenant cases need.
 */
export function withTwoTenants(): TwoTenants {
  const env = {} as TwoTenants;
  beforeAll(async () => {
    env.t = await createTestApp();
    env.a = await createTenant(env.t);
    env.b = await createTenant(env.t);
  });
  afterAll(() => env.t?.close());
  return env;
}

/** A user row as the users repository inserts it, with empty collections. */
export function newUserRow(overrides: Partial<NewUser> = {}): NewUser {
  return { id: randomIds.uuid(), links: {}, consents: {}, attributes: {}, search_text: '', created_at: new Date(), ...overrides };
}

/** Inserts a user straight through the repository (no events, no validation): the fixture of repository tests. */
export function insertUserRow(t: TestApp, tenantId: string, overrides: Partial<NewUser> = {}): Promise<UserRow> {
  return insertUser(t.registry.db, tenantId, newUserRow(overrides));
}
