import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, adminAuth, createTenant, createTestApp, type TestApp } from '../helpers/app.ts';

/** Captures everything pino writes. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

let t: TestApp;
const log = new Capture();

beforeAll(async () => {
  t = await createTestApp({ logStream: log, config: { logLevel: 'info' } });
});
afterAll(() => t.close());

describe('logs', () => {
  it('never contain the admin token or an API key secret', async () => {
    const tenant = await createTenant(t);
    const created = await t.call({
      method: 'POST',
      url: `/v1/admin/tenants/${tenant.id}/keys`,
      headers: adminAuth(),
      payload: { name: 'logged', scopes: ['users:read', 'users:write'] },
    });
    expect(created.statusCode).toBe(201);
    const secret: string = created.json().secret;
    const secrets = [ADMIN_TOKEN, tenant.key, secret];

    // Authenticated calls with both schemes, a source header and a query string naming a key.
    const user = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: { authorization: `Bearer ${secret}`, 'x-source-system': 'crm' },
      payload: { email: 'logged@example.com' },
    });
    expect(user.statusCode).toBe(201);
    expect(
      (await t.call({ method: 'GET', url: `/v1/users/${user.json().id}`, headers: { authorization: `Token ${secret}` } })).statusCode,
    ).toBe(200);
    expect(
      (await t.call({ method: 'GET', url: `/v1/users?q=${secret}`, headers: { authorization: `Token ${tenant.key}` } })).statusCode,
    ).toBe(200);

    // Error paths without a 5xx: wrong or truncated key, wrong admin token, validation and scope failures.
    expect(
      (await t.call({ method: 'GET', url: '/v1/users', headers: { authorization: `Bearer ${secret.slice(0, 63)}x` } })).statusCode,
    ).toBe(401);
    expect(
      (await t.call({ method: 'GET', url: '/v1/users', headers: { authorization: `Bearer ${secret} ${ADMIN_TOKEN}` } })).statusCode,
    ).toBe(401);
    expect(
      (await t.call({ method: 'GET', url: '/v1/admin/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}0` } })).statusCode,
    ).toBe(401);
    expect((await t.call({ method: 'GET', url: '/v1/admin/tenants', headers: { authorization: `Token ${secret}` } })).statusCode).toBe(401);
    const invalid = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: { authorization: `Token ${secret}` },
      payload: { email: secret },
    });
    expect(invalid.statusCode).toBe(422);
    expect((await t.call({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(403);
    const malformed = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      payload: `{"password":"${secret}"`,
    });
    expect(malformed.statusCode).toBe(400);
    // Key listing and revocation.
    expect((await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}/keys`, headers: adminAuth() })).statusCode).toBe(200);
    const revoked = await t.call({
      method: 'DELETE',
      url: `/v1/admin/tenants/${tenant.id}/keys/${created.json().id}`,
      headers: adminAuth(),
    });
    expect(revoked.statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: '/v1/users', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(401);

    // The log did record these requests ...
    const lines = log.text.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(12);
    const entries = lines.map((line) => JSON.parse(line));
    expect(entries.filter((e) => e.msg === 'request').map((e) => e.status)).toEqual(expect.arrayContaining([200, 201, 400, 401, 403, 422]));
    expect(entries.every((e) => e.level < 50)).toBe(true);
    // ... and holds no secret, nor the secret part of a key after its public prefix.
    for (const value of secrets) {
      expect(log.text).not.toContain(value);
      expect(log.text).not.toContain(value.slice(12));
    }
    // Nor query strings, which may hold personal data.
    expect(log.text).not.toContain('?q=');
  });

  it('never contain a password, an imported hash or a token of the sign-in flow, nor do events', async () => {
    const tenant = await createTenant(t);
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const imported = bcrypt.hashSync(`old-${password}`, 4);
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>, token = tenant.key) =>
      t.call({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

    const user = (await call('POST', '/v1/users', { email: 'flow@example.com', password })).json();
    expect(
      (await call('POST', '/v1/users', { email: 'imported@example.com', passwordHash: imported, passwordHasher: 'bcrypt' })).statusCode,
    ).toBe(201);
    expect((await call('POST', '/v1/users', { email: 'weak@example.com', password: 'password1' })).statusCode).toBe(422);
    expect((await call('POST', '/v1/sessions', { email: 'flow@example.com', password: `${password}-wrong` })).statusCode).toBe(401);
    expect((await call('POST', '/v1/sessions', { email: 'imported@example.com', password: `old-${password}` })).statusCode).toBe(201);
    const first = (await call('POST', '/v1/sessions', { email: 'flow@example.com', password })).json();
    const second = (await call('POST', '/v1/sessions/refresh', { refreshToken: first.refreshToken })).json();
    expect((await call('POST', '/v1/sessions/refresh', { refreshToken: first.refreshToken })).statusCode).toBe(401);
    expect((await call('GET', '/v1/me', undefined, second.accessToken)).statusCode).toBe(401);
    expect((await call('POST', '/v1/sessions/introspect', { token: second.accessToken })).statusCode).toBe(200);
    const passwordless = (await call('POST', `/v1/users/${user.id}/sessions`)).json();
    expect((await call('GET', `/v1/me?access_token=${passwordless.accessToken}`)).statusCode).toBe(401);
    expect((await call('POST', `/v1/users/${user.id}/logout`)).statusCode).toBe(200);

    const secrets = [password, `old-${password}`, imported, first.accessToken, first.refreshToken, second.accessToken, second.refreshToken];
    secrets.push(passwordless.accessToken, passwordless.refreshToken);
    const events = JSON.stringify((await call('GET', '/v1/events?limit=200')).json());
    expect(events).toContain('session.reuse_detected');
    for (const value of secrets) {
      expect(log.text).not.toContain(value);
      expect(events).not.toContain(value);
    }
  });

  it('redacts credentials and database parameters in logged objects', async () => {
    const before = log.text.length;
    const failure = Object.assign(new Error('insert failed'), { params: ['leaked@example.com', 'digest-value'], code: '23505' });
    t.app.log.error(
      {
        err: failure,
        req: { method: 'GET', url: `/v1/users?token=${ADMIN_TOKEN}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
        user: { password: 'hunter2-pass' },
      },
      'boom',
    );
    // An object without the usual request fields does not break logging.
    t.app.log.info({ req: {} }, 'bare');
    expect(log.text.slice(before)).toContain('bare');
    const text = log.text.slice(before);
    expect(text).toContain('boom');
    expect(text).toContain('insert failed');
    for (const value of ['leaked@example.com', 'digest-value', ADMIN_TOKEN, 'hunter2-pass']) expect(text).not.toContain(value);
    expect(text).toContain('[redacted]');
    expect(JSON.parse(text.split('\n')[0]).req).toEqual({ method: 'GET', url: '/v1/users' });
  });
});
