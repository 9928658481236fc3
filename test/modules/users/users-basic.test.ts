import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t, { defaultCountry: 'IN' });
  other = await createTenant(t);
});
afterAll(() => t.close());

describe('users: create and read', () => {
  it('creates a user with normalized identifiers and derived country fields', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: '  Asha@Example.COM ', phone: '9876543210', firstName: 'Asha', lastName: 'Rao', country: 'in' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json();
    expect(user.email).toBe('asha@example.com');
    expect(user.phone).toBe('+919876543210');
    expect(user.name).toBe('Asha Rao');
    expect(user.country).toBe('IN');
    expect(user.countryName).toBe('India');
    expect(user.dialCode).toBe('+91');
    expect(user.currency).toBe('INR');
    expect(user.status).toBe('active');
    expect(user.version).toBe(1);
    expect(res.headers.etag).toBe('"1"');
    // No Gravatar fallback unless the tenant turns gravatarPictures on.
    expect(user.picture).toBeNull();

    const got = await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: tenant.auth });
    expect(got.statusCode).toBe(200);
    // A read adds the effective roles (own ∪ groups'; no groups here), which write answers leave out.
    expect(got.json()).toEqual({ ...user, effectiveRoles: user.roles });

    const foreign = await t.call({ method: 'GET', url: `/v1/users/${user.id}`, headers: other.auth });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('USER_NOT_FOUND');
  });

  it('rejects a duplicate email with 409 naming the field and the holder', async () => {
    const first = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'dup@example.com' } });
    const second = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'DUP@example.com' } });
    expect(second.statusCode).toBe(409);
    expect(second.headers['content-type']).toContain('application/problem+json');
    expect(second.json()).toMatchObject({ code: 'USER_EMAIL_TAKEN', field: 'email', existingId: first.json().id });
  });

  it('find-or-create answers 201 then 200 with the same user', async () => {
    const a = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: tenant.auth,
      payload: { email: 'foc@example.com' },
    });
    const b = await t.call({
      method: 'POST',
      url: '/v1/users/find-or-create',
      headers: tenant.auth,
      payload: { email: 'foc@example.com', name: 'x' },
    });
    expect(a.statusCode).toBe(201);
    expect(a.json().created).toBe(true);
    expect(b.statusCode).toBe(200);
    expect(b.json().created).toBe(false);
    expect(b.json().user.id).toBe(a.json().user.id);
  });

  it('rejects unknown body fields with 422 naming them', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'x@example.com', status: 'deactivated', id: 'x' },
    });
    expect(res.statusCode).toBe(422);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['status', 'id']));
  });
});
