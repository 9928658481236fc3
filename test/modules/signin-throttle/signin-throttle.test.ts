import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { fixedClock } from '../../../src/core/clock.ts';
import { findSigninFailures } from '../../../src/modules/signin-throttle/signin-throttle.repository.ts';
import { identifierKey, ipKey } from '../../../src/modules/signin-throttle/signin-throttle.ts';
import { adminAuth, createTenant, createTestApp, type TestApp } from '../../helpers/app.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { createUser, listEvents } from '../../helpers/users.ts';

const clock = fixedClock(new Date('2031-03-01T10:00:00Z'));
// Small thresholds so a few calls reach every state: 3 free failures per identifier, 10 per IP, a 60 s lock.
const THROTTLE = {
  identifierFreeFailures: 3,
  identifierWindowSeconds: 3600,
  ipFreeFailures: 10,
  ipWindowSeconds: 3600,
  maxLockSeconds: 60,
};
const IP = '203.0.113.7';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock, config: { signinThrottle: THROTTLE } });
});
afterAll(() => t.close());

const throttle = () => t.registry.signinThrottle;

/** The Retry-After seconds of a refused attempt, or null when the attempt is allowed. */
async function retryAfter(tenantId: string, identifier: string, ip = IP): Promise<number | null> {
  try {
    await throttle().assertAllowed(tenantId, identifier, ip);
    return null;
  } catch (error) {
    expect(error).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', status: 429 });
    return (error as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds;
  }
}

async function fail(tenantId: string, identifier: string, times: number, ip = IP): Promise<void> {
  for (let i = 0; i < times; i++) await throttle().recordFailure(tenantId, identifier, ip);
}

describe('sign-in throttle: delays and lock', () => {
  it('lets the free failures through, then doubles the delay after each further failure', async () => {
    const tenant = await createTenant(t);
    const id = 'email:asha@example.com';
    await fail(tenant.id, id, 3);
    expect(await retryAfter(tenant.id, id)).toBeNull();

    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await fail(tenant.id, id, 1);
      const wait = await retryAfter(tenant.id, id);
      delays.push(wait ?? 0);
      clock.advance((wait ?? 0) * 1000 - 1);
      expect(await retryAfter(tenant.id, id), 'one millisecond before the end').toBe(1);
      clock.advance(1);
      expect(await retryAfter(tenant.id, id), 'at the end of the delay').toBeNull();
    }
    expect(delays).toEqual([1, 2, 4, 8]);
  });

  it('caps the delay at the lock, answers its Retry-After, and time lifts it', async () => {
    const tenant = await createTenant(t);
    const id = 'phone:+919876543210';
    await fail(tenant.id, id, 12);
    expect(await retryAfter(tenant.id, id)).toBe(60);
    clock.advance(59_000);
    expect(await retryAfter(tenant.id, id)).toBe(1);
    clock.advance(1_000);
    expect(await retryAfter(tenant.id, id)).toBeNull();
    // Still past the free failures: the next failure locks again, never longer than the cap.
    await fail(tenant.id, id, 1);
    expect(await retryAfter(tenant.id, id)).toBe(60);
  });

  it('does not count or extend the block for attempts refused while blocked', async () => {
    const tenant = await createTenant(t);
    const id = 'externalId:crm-1';
    await fail(tenant.id, id, 7);
    const before = await findSigninFailures(t.registry.db, tenant.id, identifierKey(id));
    expect(before?.failures).toBe(7);
    for (let i = 0; i < 20; i++) {
      expect(await retryAfter(tenant.id, id)).not.toBeNull();
      clock.advance(100);
    }
    const after = await findSigninFailures(t.registry.db, tenant.id, identifierKey(id));
    expect(after?.failures).toBe(7);
    expect(after?.blocked_until).toEqual(before?.blocked_until);
    // The 8 s block started 2 s ago: 6 s are left, however often the victim or the attacker knocked.
    expect(await retryAfter(tenant.id, id)).toBe(6);
  });

  it('forgets failures once their window is over', async () => {
    const tenant = await createTenant(t);
    const id = 'email:window@example.com';
    await fail(tenant.id, id, 3);
    clock.advance(3600_000);
    await fail(tenant.id, id, 3);
    expect(await retryAfter(tenant.id, id)).toBeNull();
    expect((await findSigninFailures(t.registry.db, tenant.id, identifierKey(id)))?.failures).toBe(3);
  });

  it('counts parallel failures exactly', async () => {
    const tenant = await createTenant(t);
    const id = 'email:parallel@example.com';
    await Promise.all(Array.from({ length: 20 }, () => throttle().recordFailure(tenant.id, id, IP)));
    expect((await findSigninFailures(t.registry.db, tenant.id, identifierKey(id)))?.failures).toBe(20);
    expect((await findSigninFailures(t.registry.db, tenant.id, ipKey(IP)))?.failures).toBe(20);
    expect(await retryAfter(tenant.id, id)).toBe(60);
  });
});

describe('sign-in throttle: lifting', () => {
  it('clear() lifts the lock and the count of the given identifiers only', async () => {
    const tenant = await createTenant(t);
    const [a, b] = ['email:a@example.com', 'email:b@example.com'];
    await fail(tenant.id, a, 5, '198.51.100.1');
    await fail(tenant.id, b, 5, '198.51.100.2');
    await throttle().clear(tenant.id, [a]);
    expect(await retryAfter(tenant.id, a, '198.51.100.1')).toBeNull();
    expect(await retryAfter(tenant.id, b, '198.51.100.2')).not.toBeNull();
    // The count restarted: the free failures are free again.
    await fail(tenant.id, a, 3, '198.51.100.1');
    expect(await retryAfter(tenant.id, a, '198.51.100.1')).toBeNull();
  });

  it('a success clears the identifier but not the IP', async () => {
    const tenant = await createTenant(t);
    const id = 'email:ok@example.com';
    await fail(tenant.id, id, 2);
    await throttle().recordSuccess(tenant.id, id, IP);
    expect(await findSigninFailures(t.registry.db, tenant.id, identifierKey(id))).toBeUndefined();
    expect((await findSigninFailures(t.registry.db, tenant.id, ipKey(IP)))?.failures).toBe(2);
  });
});

describe('sign-in throttle: per IP', () => {
  it('blocks an IP that fails across many identifiers, and only that IP', async () => {
    const tenant = await createTenant(t);
    for (let i = 0; i < 11; i++) await fail(tenant.id, `email:user${i}@example.com`, 1, '192.0.2.50');
    expect(await retryAfter(tenant.id, 'email:fresh@example.com', '192.0.2.50')).toBe(1);
    expect(await retryAfter(tenant.id, 'email:fresh@example.com', '192.0.2.51')).toBeNull();
    // A success does not lift the IP's block.
    await throttle().recordSuccess(tenant.id, 'email:user0@example.com', '192.0.2.50');
    expect(await retryAfter(tenant.id, 'email:other@example.com', '192.0.2.50')).toBe(1);
  });

  it('counts an IPv6 client per /64 and an IPv4-mapped address as IPv4', async () => {
    const tenant = await createTenant(t);
    for (let i = 1; i <= 11; i++) await fail(tenant.id, `email:v6-${i}@example.com`, 1, `2001:db8:1:2::${i.toString(16)}`);
    expect(await retryAfter(tenant.id, 'email:x@example.com', '2001:db8:1:2:ffff::1')).toBe(1);
    expect(await retryAfter(tenant.id, 'email:x@example.com', '2001:db8:1:3::1')).toBeNull();
    expect(ipKey('::ffff:192.0.2.9')).toBe(ipKey('192.0.2.9'));
  });
});

describe('sign-in throttle: tenants', () => {
  it('keeps each tenant’s counters apart', async () => {
    const [one, two] = [await createTenant(t), await createTenant(t)];
    const id = 'email:shared@example.com';
    await fail(one.id, id, 6);
    expect(await retryAfter(one.id, id)).not.toBeNull();
    expect(await retryAfter(two.id, id)).toBeNull();
    await throttle().clear(two.id, [id]);
    expect(await retryAfter(one.id, id)).not.toBeNull();
  });
});

describe('admin unlock', () => {
  it('POST …/users/{user}/unlock lifts the blocks of the user’s email, phone and external id, by id or external id', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'Locked@Example.com', phone: '+919812345678', externalId: 'ext-locked' });
    const identifiers = ['email:locked@example.com', 'phone:+919812345678', 'externalId:ext-locked'];
    // Failures come from one address and checks from another, so only the identifiers' blocks are seen.
    for (const ref of [user.id, 'ext-locked']) {
      for (const id of identifiers) await fail(tenant.id, id, 6, '198.18.0.1');
      for (const id of identifiers) expect(await retryAfter(tenant.id, id, '198.18.0.2')).not.toBeNull();
      const res = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.slug}/users/${ref}/unlock`, headers: adminAuth() });
      expect(res.statusCode, res.body).toBe(204);
      for (const id of identifiers) expect(await retryAfter(tenant.id, id, '198.18.0.2'), `${ref} ${id}`).toBeNull();
    }
    const events = await listEvents(t, tenant, { type: 'signin.unlocked' });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ userId: user.id, actor: 'admin', data: { cleared: 3 } });
  });

  it('answers 404 for an unknown user and 401 without the admin token', async () => {
    const tenant = await createTenant(t);
    const unknown = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/users/nobody/unlock`, headers: adminAuth() });
    expectProblem(unknown, 404, 'USER_NOT_FOUND');
    const asKey = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/users/nobody/unlock`, headers: tenant.auth });
    expectProblem(asKey, 401, 'ADMIN_TOKEN_INVALID');
  });

  it('DELETE …/signin-blocks?ip= lifts an IP’s block; a malformed address is a 400', async () => {
    const tenant = await createTenant(t);
    for (let i = 0; i < 11; i++) await fail(tenant.id, `email:spray${i}@example.com`, 1, '192.0.2.77');
    expect(await retryAfter(tenant.id, 'email:next@example.com', '192.0.2.77')).not.toBeNull();
    const res = await t.call({
      method: 'DELETE',
      url: `/v1/admin/tenants/${tenant.id}/signin-blocks`,
      query: { ip: '192.0.2.77' },
      headers: adminAuth(),
    });
    expect(res.statusCode, res.body).toBe(204);
    expect(await retryAfter(tenant.id, 'email:next@example.com', '192.0.2.77')).toBeNull();
    const events = await listEvents(t, tenant, { type: 'signin.unlocked' });
    expect(events.at(-1)).toMatchObject({ userId: null, data: { ip: '192.0.2.77', cleared: 1 } });

    const bad = await t.call({
      method: 'DELETE',
      url: `/v1/admin/tenants/${tenant.id}/signin-blocks`,
      query: { ip: 'not-an-ip' },
      headers: adminAuth(),
    });
    expect(expectProblem(bad, 400, 'INVALID_PARAMETER').errors[0]).toMatchObject({ field: 'ip' });
  });
});

describe('sign-in over HTTP', () => {
  const PASSWORD = 'correct horse battery staple';
  const signIn = (auth: { authorization: string }, payload: Record<string, unknown>) =>
    t.call({ method: 'POST', url: '/v1/sessions', headers: auth, payload });

  it('answers 429 TOO_MANY_ATTEMPTS with Retry-After after repeated wrong passwords, even to the right one, until the delay ends', async () => {
    const tenant = await createTenant(t);
    await createUser(t, tenant, { email: 'victim@example.com', password: PASSWORD });
    for (let i = 0; i < 4; i++)
      expectProblem(await signIn(tenant.auth, { email: 'victim@example.com', password: 'wrong' }), 401, 'INVALID_CREDENTIALS');
    const refused = await signIn(tenant.auth, { email: 'Victim@Example.com', password: PASSWORD });
    expect(expectProblem(refused, 429, 'TOO_MANY_ATTEMPTS').retryAfterSeconds).toBe(1);
    expect(refused.headers['retry-after']).toBe('1');
    clock.advance(1000);
    expect((await signIn(tenant.auth, { email: 'victim@example.com', password: PASSWORD })).statusCode).toBe(201);
  });

  it('throttles an unknown identifier the same way', async () => {
    const tenant = await createTenant(t);
    for (let i = 0; i < 4; i++)
      expectProblem(await signIn(tenant.auth, { email: 'ghost@example.com', password: 'guess' }), 401, 'INVALID_CREDENTIALS');
    const refused = await signIn(tenant.auth, { email: 'ghost@example.com', password: 'guess' });
    expectProblem(refused, 429, 'TOO_MANY_ATTEMPTS');
    expect(refused.headers['retry-after']).toBe('1');
  });

  it('lets the user in again after an admin unlock', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'unlock-me@example.com', password: PASSWORD });
    for (let i = 0; i < 4; i++) await signIn(tenant.auth, { email: 'unlock-me@example.com', password: 'wrong' });
    expectProblem(await signIn(tenant.auth, { email: 'unlock-me@example.com', password: PASSWORD }), 429, 'TOO_MANY_ATTEMPTS');
    const unlock = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/users/${user.id}/unlock`, headers: adminAuth() });
    expect(unlock.statusCode).toBe(204);
    expect((await signIn(tenant.auth, { email: 'unlock-me@example.com', password: PASSWORD })).statusCode).toBe(201);
  });
});

describe('configuration', () => {
  it('reads the thresholds from the environment, with defaults', () => {
    expect(loadConfig({}).signinThrottle).toEqual({
      identifierFreeFailures: 5,
      identifierWindowSeconds: 43_200,
      ipFreeFailures: 100,
      ipWindowSeconds: 3600,
      maxLockSeconds: 900,
    });
    const custom = loadConfig({ ROSTER_SIGNIN_FREE_FAILURES: '10', ROSTER_SIGNIN_MAX_LOCK_SECONDS: '300' }).signinThrottle;
    expect(custom).toMatchObject({ identifierFreeFailures: 10, maxLockSeconds: 300 });
    expect(() => loadConfig({ ROSTER_SIGNIN_MAX_LOCK_SECONDS: '0' })).toThrow(/ROSTER_SIGNIN_MAX_LOCK_SECONDS/);
  });
});
