/**
 * Sign-in, refresh rotation and reuse detection, revocation, the session limit under concurrency. Runs on
 * PGlite and on PostgreSQL, where the parallel requests really run in parallel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { adminAuth, createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { createUser, listEvents } from '../../helpers/users.ts';

const PASSWORD = 'correct horse battery staple';

let t: TestApp;
let tenant: TestTenant;
let seq = 0;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

type Res = Awaited<ReturnType<TestApp['call']>>;

function email(): string {
  return `user${seq++}-${Date.now().toString(36)}@example.com`;
}

function signIn(tn: TestTenant, payload: Record<string, unknown>): Promise<Res> {
  return t.call({ method: 'POST', url: '/v1/sessions', headers: tn.auth, payload });
}

function refresh(tn: TestTenant, refreshToken: string): Promise<Res> {
  return t.call({ method: 'POST', url: '/v1/sessions/refresh', headers: tn.auth, payload: { refreshToken } });
}

function me(accessToken: string): Promise<Res> {
  return t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
}

async function userWithPassword(tn: TestTenant = tenant, extra: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const address = email();
  const user = await createUser(t, tn, { email: address, password: PASSWORD, ...extra });
  return { id: user.id, email: address };
}

async function session(tn: TestTenant, address: string): Promise<any> {
  const res = await signIn(tn, { email: address, password: PASSWORD });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('sign-in', () => {
  it('answers tokens and a session for the right password, by email, phone or external id', async () => {
    const user = await createUser(t, tenant, { email: email(), phone: '+14155550123', externalId: `ext-${seq++}`, password: PASSWORD });
    for (const payload of [{ email: user.email.toUpperCase() }, { phone: '+1 415 555 0123' }, { externalId: user.externalId }]) {
      const res = await signIn(tenant, { ...payload, password: PASSWORD });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, scope: 'password' });
      expect(body.accessToken.split('.')).toHaveLength(3);
      expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.session).toMatchObject({ userId: user.id, method: 'password', revokedAt: null });
      const who = await me(body.accessToken);
      expect(who.statusCode, who.body).toBe(200);
      expect(who.json().id).toBe(user.id);
    }
  });

  it('answers the same 401 for a wrong password, an unknown user, a user without a password and a deactivated user', async () => {
    const wrong = await userWithPassword();
    const noPassword = await createUser(t, tenant, { email: email() });
    const deactivated = await userWithPassword();
    const off = await t.call({ method: 'POST', url: `/v1/users/${deactivated.id}/deactivate`, headers: tenant.auth });
    expect(off.statusCode, off.body).toBe(200);
    const answers = [
      await signIn(tenant, { email: wrong.email, password: `${PASSWORD}!` }),
      await signIn(tenant, { email: email(), password: PASSWORD }),
      await signIn(tenant, { email: noPassword.email, password: PASSWORD }),
      await signIn(tenant, { email: deactivated.email, password: PASSWORD }),
    ];
    const bodies = answers.map((res) => {
      const problem = expectProblem(res, 401, 'INVALID_CREDENTIALS');
      const { requestId: _r, ...rest } = problem;
      return rest;
    });
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    const failed = await listEvents(t, tenant, { type: 'signin.failed' });
    const reasons = failed.map((e) => e.data.reason);
    expect(reasons).toEqual(expect.arrayContaining(['wrong_password', 'unknown_user', 'no_password', 'deactivated']));
  });

  it('compares the whole password: no truncation', async () => {
    const long = `${'x'.repeat(200)}tail-one`;
    const user = await createUser(t, tenant, { email: email(), password: long });
    expect((await signIn(tenant, { email: user.email, password: long })).statusCode).toBe(201);
    expectProblem(await signIn(tenant, { email: user.email, password: `${'x'.repeat(200)}tail-two` }), 401, 'INVALID_CREDENTIALS');
  });

  it('needs exactly one identifier, and a key with sessions:write', async () => {
    expectProblem(await signIn(tenant, { password: PASSWORD }), 422, 'VALIDATION_FAILED');
    expectProblem(await signIn(tenant, { email: 'a@example.com', phone: '+14155550100', password: PASSWORD }), 422, 'VALIDATION_FAILED');
    const bad = expectProblem(await signIn(tenant, { email: 'not-an-email', password: PASSWORD }), 422, 'VALIDATION_FAILED');
    expect(bad.errors[0].field).toBe('email');
    const readOnly = await createKey(t, tenant.id, { name: 'ro', scopes: ['users:read'] });
    const res = await t.call({
      method: 'POST',
      url: '/v1/sessions',
      headers: { authorization: `Bearer ${readOnly}` },
      payload: { email: 'a@example.com', password: PASSWORD },
    });
    expectProblem(res, 403, 'SCOPE_MISSING');
  });

  it('issues passwordless tokens server to server, by id or external id; never for a deactivated user', async () => {
    const user = await createUser(t, tenant, { email: email(), externalId: `pl-${seq++}` });
    for (const url of [`/v1/users/${user.id}/sessions`, `/v1/users/by-external-id/${user.externalId}/sessions`]) {
      const res = await t.call({ method: 'POST', url, headers: tenant.auth });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ scope: 'passwordless', session: { method: 'passwordless', userId: user.id } });
      expect((await me(res.json().accessToken)).json().id).toBe(user.id);
    }
    expectProblem(
      await t.call({ method: 'POST', url: '/v1/users/00000000-0000-7000-8000-000000000000/sessions', headers: tenant.auth }),
      404,
      'USER_NOT_FOUND',
    );
    await t.call({ method: 'POST', url: `/v1/users/${user.id}/deactivate`, headers: tenant.auth });
    expectProblem(await t.call({ method: 'POST', url: `/v1/users/${user.id}/sessions`, headers: tenant.auth }), 409, 'USER_DEACTIVATED');
  });
});

describe('refresh', () => {
  it('rotates: the new token works, the old one is dead, and replaying it ends the whole session', async () => {
    const user = await userWithPassword();
    const first = await session(tenant, user.email);
    const second = await refresh(tenant, first.refreshToken);
    expect(second.statusCode, second.body).toBe(200);
    const rotated = second.json();
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.session.id).toBe(first.session.id);
    expect((await me(rotated.accessToken)).statusCode).toBe(200);

    expectProblem(await refresh(tenant, first.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    // Reuse ended the family: the newest refresh token and every access token of the session are dead too.
    expectProblem(await refresh(tenant, rotated.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await me(rotated.accessToken), 401, 'ACCESS_TOKEN_INVALID');
    expectProblem(await me(first.accessToken), 401, 'ACCESS_TOKEN_INVALID');
    const reuse = await listEvents(t, tenant, { type: 'session.reuse_detected', userId: user.id });
    expect(reuse).toHaveLength(1);
    expect(reuse[0].data.sessionId).toBe(first.session.id);
  });

  it('lets at most one of two concurrent refreshes with one token succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await userWithPassword();
      const tokens = await session(tenant, user.email);
      const answers = await Promise.all([refresh(tenant, tokens.refreshToken), refresh(tenant, tokens.refreshToken)]);
      const ok = answers.filter((res) => res.statusCode === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      for (const res of answers) if (res.statusCode !== 200) expectProblem(res, 401, 'REFRESH_TOKEN_INVALID');
    }
  });

  it("rejects malformed, unknown and other tenants' refresh tokens", async () => {
    expectProblem(await refresh(tenant, 'nope'), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await refresh(tenant, 'A'.repeat(43)), 401, 'REFRESH_TOKEN_INVALID');
    const other = await createTenant(t);
    const user = await userWithPassword();
    const tokens = await session(tenant, user.email);
    expectProblem(await refresh(other, tokens.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expect((await refresh(tenant, tokens.refreshToken)).statusCode).toBe(200);
  });

  it('ends sessions at their absolute lifetime and after the idle timeout', async () => {
    const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));
    const timed = await createTestApp({
      clock,
      config: {
        tokens: { issuer: 'roster', audience: 'roster', accessTokenSeconds: 60, refreshTokenSeconds: 3600, refreshIdleSeconds: 600 },
      },
    });
    try {
      const tn = await createTenant(timed);
      const address = email();
      await createUser(timed, tn, { email: address, password: PASSWORD });
      const signin = async () =>
        (
          await timed.call({ method: 'POST', url: '/v1/sessions', headers: tn.auth, payload: { email: address, password: PASSWORD } })
        ).json();
      const rotate = (token: string) =>
        timed.call({ method: 'POST', url: '/v1/sessions/refresh', headers: tn.auth, payload: { refreshToken: token } });

      // Idle: unused for longer than 600 s.
      const idle = await signin();
      clock.advance(601_000);
      expectProblem(await rotate(idle.refreshToken), 401, 'REFRESH_TOKEN_INVALID');

      // Refreshing within the idle window keeps a session alive, but never past its absolute end (3600 s).
      let current = await signin();
      for (let i = 1; i <= 7; i++) {
        clock.advance(500_000);
        const res = await rotate(current.refreshToken);
        expect(res.statusCode, `refresh at ${i * 500} s: ${res.body}`).toBe(200);
        current = res.json();
      }
      expect(current.session.idleExpiresAt).toBe(current.session.expiresAt);
      clock.advance(500_000);
      expectProblem(await rotate(current.refreshToken), 401, 'REFRESH_TOKEN_INVALID');

      // Access tokens expire with their own lifetime.
      const fresh = await signin();
      clock.advance(61_000);
      expectProblem(
        await timed.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${fresh.accessToken}` } }),
        401,
        'ACCESS_TOKEN_INVALID',
      );
    } finally {
      await timed.close();
    }
  });
});

describe('sessions and logout', () => {
  it('lists live sessions, ends one, and force-logs-out the rest by id or external id', async () => {
    const externalId = `lo-${seq++}`;
    const user = await userWithPassword(tenant, { externalId });
    const a = await session(tenant, user.email);
    const b = await session(tenant, user.email);
    const c = await session(tenant, user.email);
    const listed = await t.call({ method: 'GET', url: `/v1/users/${user.id}/sessions`, headers: tenant.auth });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().data.map((s: { id: string }) => s.id)).toEqual([a.session.id, b.session.id, c.session.id]);

    const del = await t.call({ method: 'DELETE', url: `/v1/sessions/${a.session.id}`, headers: tenant.auth });
    expect(del.statusCode, del.body).toBe(204);
    expect((await t.call({ method: 'DELETE', url: `/v1/sessions/${a.session.id}`, headers: tenant.auth })).statusCode).toBe(204);
    expectProblem(await me(a.accessToken), 401, 'ACCESS_TOKEN_INVALID');
    expectProblem(await refresh(tenant, a.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expect((await me(b.accessToken)).statusCode).toBe(200);

    const byExternal = await t.call({ method: 'GET', url: `/v1/users/by-external-id/${externalId}/sessions`, headers: tenant.auth });
    expect(byExternal.json().data).toHaveLength(2);
    const out = await t.call({ method: 'POST', url: `/v1/users/by-external-id/${externalId}/logout`, headers: tenant.auth });
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json()).toEqual({ revoked: 2 });
    for (const tokens of [b, c]) {
      expectProblem(await me(tokens.accessToken), 401, 'ACCESS_TOKEN_INVALID');
      expectProblem(await refresh(tenant, tokens.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    }
    expect((await t.call({ method: 'GET', url: `/v1/users/${user.id}/sessions`, headers: tenant.auth })).json().data).toEqual([]);
    const loggedOut = await listEvents(t, tenant, { type: 'user.logged_out', userId: user.id });
    expect(loggedOut.at(-1).data).toMatchObject({ reason: 'logout' });
    expectProblem(
      await t.call({ method: 'DELETE', url: '/v1/sessions/00000000-0000-7000-8000-000000000000', headers: tenant.auth }),
      404,
      'SESSION_NOT_FOUND',
    );
  });

  it('ends every session on deactivation, erasure and a password change', async () => {
    const cases: [string, (id: string) => Promise<Res>][] = [
      ['deactivated', (id) => t.call({ method: 'POST', url: `/v1/users/${id}/deactivate`, headers: tenant.auth })],
      ['erased', (id) => t.call({ method: 'DELETE', url: `/v1/users/${id}`, headers: tenant.auth })],
      [
        'password_changed',
        (id) => t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: tenant.auth, payload: { password: 'a brand new passphrase' } }),
      ],
    ];
    for (const [reason, change] of cases) {
      const user = await userWithPassword();
      const one = await session(tenant, user.email);
      const two = await session(tenant, user.email);
      const res = await change(user.id);
      expect(res.statusCode, res.body).toBeLessThan(300);
      for (const tokens of [one, two]) {
        expectProblem(await me(tokens.accessToken), 401, 'ACCESS_TOKEN_INVALID');
        expectProblem(await refresh(tenant, tokens.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
      }
      if (reason === 'password_changed') {
        expectProblem(await signIn(tenant, { email: user.email, password: PASSWORD }), 401, 'INVALID_CREDENTIALS');
        expect((await signIn(tenant, { email: user.email, password: 'a brand new passphrase' })).statusCode).toBe(201);
      }
      const events = await listEvents(t, tenant, { type: 'user.logged_out', userId: user.id });
      expect(events.map((e) => e.data.reason)).toContain(reason);
    }
  });

  it("tells the user behind a live refresh token without using it, for the caller's tenant only", async () => {
    const user = await userWithPassword();
    const tokens = await session(tenant, user.email);
    const ctx = { tenantId: tenant.id, actor: 'test', brand: null, scopes: null, source: null, requestId: null };
    expect((await t.registry.sessions.userOfRefreshToken(ctx, tokens.refreshToken)).id).toBe(user.id);
    // Not used up by the lookup: it still refreshes.
    const rotated = await refresh(tenant, tokens.refreshToken);
    expect(rotated.statusCode).toBe(200);
    await expect(t.registry.sessions.userOfRefreshToken(ctx, tokens.refreshToken)).rejects.toMatchObject({ code: 'REFRESH_TOKEN_INVALID' });
    const other = await createTenant(t);
    await expect(t.registry.sessions.userOfRefreshToken({ ...ctx, tenantId: other.id }, rotated.json().refreshToken)).rejects.toMatchObject(
      {
        code: 'REFRESH_TOKEN_INVALID',
      },
    );
  });

  it("introspects access and refresh tokens of the caller's tenant (RFC 7662)", async () => {
    const user = await userWithPassword();
    const tokens = await session(tenant, user.email);
    const introspect = (tn: TestTenant, token: string) =>
      t.call({ method: 'POST', url: '/v1/sessions/introspect', headers: tn.auth, payload: { token } });
    const access = (await introspect(tenant, tokens.accessToken)).json();
    expect(access).toMatchObject({
      active: true,
      token_type: 'access_token',
      sub: user.id,
      sid: tokens.session.id,
      tid: tenant.id,
      scope: 'password',
    });
    expect(access.user.id).toBe(user.id);
    expect(access.exp - access.iat).toBe(900);
    const refreshInfo = (await introspect(tenant, tokens.refreshToken)).json();
    expect(refreshInfo).toMatchObject({ active: true, token_type: 'refresh_token', sub: user.id, sid: tokens.session.id });
    const other = await createTenant(t);
    expect((await introspect(other, tokens.accessToken)).json()).toEqual({ active: false });
    expect((await introspect(other, tokens.refreshToken)).json()).toEqual({ active: false });
    expect((await introspect(tenant, 'garbage')).json()).toEqual({ active: false });
    await refresh(tenant, tokens.refreshToken);
    expect((await introspect(tenant, tokens.refreshToken)).json()).toEqual({ active: false });
  });
});

describe('session limit', () => {
  async function liveCount(userId: string): Promise<number> {
    const row = await t.registry.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenant_id', '=', tenant.id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('50 parallel sign-ins with a limit of 5 leave exactly 5 live sessions, never more at any moment', async () => {
    const user = await userWithPassword(tenant, { sessionsLimit: 5 });
    let running = true;
    let most = 0;
    const watcher = (async () => {
      while (running) {
        most = Math.max(most, await liveCount(user.id));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const answers = await Promise.all(Array.from({ length: 50 }, () => signIn(tenant, { email: user.email, password: PASSWORD })));
    running = false;
    await watcher;
    for (const res of answers) expect(res.statusCode, res.body).toBe(201);
    expect(await liveCount(user.id)).toBe(5);
    expect(most).toBeLessThanOrEqual(5);
    const listed = (await t.call({ method: 'GET', url: `/v1/users/${user.id}/sessions`, headers: tenant.auth })).json().data;
    expect(listed).toHaveLength(5);
    // The survivors are the newest five: every evicted session is older than every survivor.
    const ids = new Set(listed.map((s: { id: string }) => s.id));
    const evicted = answers.map((res) => res.json().session).filter((s) => !ids.has(s.id));
    expect(evicted).toHaveLength(45);
    const revokedEvents = await listEvents(t, tenant, { type: 'session.revoked', userId: user.id });
    expect(revokedEvents.filter((e) => e.data.reason === 'evicted')).toHaveLength(45);
  });

  it('takes the tenant default when the user sets none, and rejects new sessions under reject_new', async () => {
    const tn = await createTenant(t, { sessionsLimit: 2, sessionsPolicy: 'reject_new' });
    const address = email();
    await createUser(t, tn, { email: address, password: PASSWORD });
    expect((await signIn(tn, { email: address, password: PASSWORD })).statusCode).toBe(201);
    expect((await signIn(tn, { email: address, password: PASSWORD })).statusCode).toBe(201);
    const third = expectProblem(await signIn(tn, { email: address, password: PASSWORD }), 409, 'SESSIONS_LIMIT_REACHED');
    expect(third.limit).toBe(2);
    const patched = await t.call({
      method: 'PATCH',
      url: `/v1/admin/tenants/${tn.id}`,
      headers: adminAuth(),
      payload: { sessionsPolicy: 'evict_oldest', sessionsLimit: null },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ sessionsLimit: null, sessionsPolicy: 'evict_oldest' });
  });
});
