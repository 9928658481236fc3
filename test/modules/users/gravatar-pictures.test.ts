/**
 * `picture` falls back to a Gravatar URL only for tenants that turn `gravatarPictures` on: the URL sends a hash
 * of the user's email to Gravatar whenever the picture is shown.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem } from '../../helpers/problem.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const gravatarOf = (email: string) => `https://www.gravatar.com/avatar/${createHash('sha256').update(email).digest('hex')}?d=identicon`;

async function post(tenant: TestTenant, body: Record<string, unknown>) {
  const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function patch(tenant: TestTenant, id: string, body: Record<string, unknown>) {
  const res = await t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: tenant.auth, payload: body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('gravatarPictures tenant setting', () => {
  it('is off by default: no Gravatar URL anywhere a user is shown', async () => {
    const tenant = await createTenant(t);
    const view = await t.call({ method: 'GET', url: `/v1/admin/tenants/${tenant.id}`, headers: adminAuth() });
    expect(view.json().gravatarPictures).toBe(false);
    const user = await post(tenant, { email: 'plain@example.com', externalId: 'plain-1' });
    expect(user.picture).toBeNull();
    const listed = await t.call({
      method: 'GET',
      url: '/integration-api/v1/dashboard/users?email=plain@example.com',
      headers: tenant.auth,
    });
    expect(listed.body).not.toContain('gravatar');
    const usercom = await t.call({
      method: 'POST',
      url: '/api/public/users/update_or_create/',
      headers: { authorization: tenant.auth.authorization.replace('Bearer', 'Token') },
      payload: { user_id: 'plain-2', email: 'plain2@example.com' },
    });
    expect(usercom.statusCode, usercom.body).toBeLessThan(300);
    const second = await t.call({ method: 'GET', url: '/v1/users', headers: tenant.auth, query: { email: 'plain2@example.com' } });
    expect(second.json().data[0].picture).toBeNull();
  });

  it('turned on at create: users without a picture get the Gravatar URL of their email; a set picture is kept', async () => {
    const tenant = await createTenant(t, { gravatarPictures: true });
    const user = await post(tenant, { email: 'Face@Example.com' });
    expect(user.picture).toBe(gravatarOf('face@example.com'));
    const own = await post(tenant, { email: 'own@example.com', picture: 'https://cdn.example.com/own.png' });
    expect(own.picture).toBe('https://cdn.example.com/own.png');
    // The automatic picture follows the email; clearing the email clears it.
    expect((await patch(tenant, user.id, { email: 'new@example.com' })).picture).toBe(gravatarOf('new@example.com'));
    expect((await patch(tenant, user.id, { email: null, phone: '+14155550100' })).picture).toBeNull();
    expect((await patch(tenant, own.id, { email: 'own2@example.com' })).picture).toBe('https://cdn.example.com/own.png');
  });

  it('is set by PATCH and validated', async () => {
    const tenant = await createTenant(t);
    const url = `/v1/admin/tenants/${tenant.id}`;
    const on = await t.call({ method: 'PATCH', url, headers: adminAuth(), payload: { gravatarPictures: true } });
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json().gravatarPictures).toBe(true);
    expect((await post(tenant, { email: 'later@example.com' })).picture).toBe(gravatarOf('later@example.com'));
    expectProblem(
      await t.call({ method: 'PATCH', url, headers: adminAuth(), payload: { gravatarPictures: 'yes' } }),
      422,
      'VALIDATION_FAILED',
    );
  });
});
