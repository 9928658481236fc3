import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { createUser, fieldsOf, listEvents } from '../../helpers/users.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function patch(tenant: TestTenant, id: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.call({ method: 'PATCH', url: `/v1/users/${id}`, headers: { ...tenant.auth, ...headers }, payload: payload as object });
}

function getUser(tenant: TestTenant, id: string) {
  return t.call({ method: 'GET', url: `/v1/users/${id}`, headers: tenant.auth });
}

describe('PATCH /v1/users/{id}: JSON merge patch', () => {
  it('sets, keeps and clears fields; null clears; version and ETag move together', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, {
      email: 'merge@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      city: 'London',
      gender: 'female',
      score: 3.5,
    });
    expect(user.version).toBe(1);

    const res = await patch(tenant, user.id, { city: null, region: 'Greater London', score: null, lastName: 'King' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    const patched = res.json();
    expect(patched).toMatchObject({
      id: user.id,
      email: 'merge@example.com',
      firstName: 'Ada',
      lastName: 'King',
      city: null,
      region: 'Greater London',
      gender: 'female',
      score: null,
      version: 2,
    });
    expect(Date.parse(patched.updatedAt)).toBeGreaterThanOrEqual(Date.parse(user.updatedAt));
    expect(patched.createdAt).toBe(user.createdAt);

    const got = await getUser(tenant, user.id);
    expect(got.headers.etag).toBe('"2"');
    // A read adds the effective roles (own ∪ groups'; no groups here), which write answers leave out.
    expect(got.json()).toEqual({ ...patched, effectiveRoles: patched.roles });
  });

  it('merges links, consents and attributes key by key; null removes one key', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const user = await createUser(t, tenant, {
      email: 'maps@example.com',
      links: { facebook: 'https://facebook.com/a', twitter: 'https://twitter.com/a' },
      consents: { newsletter: true, sms: false },
      attributes: { plan: 'gold', seats: 3 },
    });
    const res = await patch(tenant, user.id, {
      links: { twitter: null, google: 'https://google.com/a' },
      consents: { sms: true, push: false },
      attributes: { plan: null, region: 'eu' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.links).toEqual({ facebook: 'https://facebook.com/a', google: 'https://google.com/a' });
    expect(body.consents).toEqual({ newsletter: true, sms: true, push: false });
    expect(body.attributes).toEqual({ seats: 3, region: 'eu' });
    expect(body.version).toBe(2);

    // null for the whole object clears it.
    const cleared = await patch(tenant, user.id, { links: null, consents: null });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().links).toEqual({});
    expect(cleared.json().consents).toEqual({});
    expect(cleared.json().attributes).toEqual({ seats: 3, region: 'eu' });
    expect(cleared.json().version).toBe(3);
  });

  it('attributes: null clears every attribute (and is recorded)', async () => {
    const tenant = await createTenant(t, { allowFreeformAttributes: true });
    const user = await createUser(t, tenant, { email: 'attrnull@example.com', attributes: { a: 1, b: 'x' } });
    const res = await patch(tenant, user.id, { attributes: null });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().attributes).toEqual({});
    expect(res.json().version).toBe(2);
    expect((await getUser(tenant, user.id)).json().attributes).toEqual({});
    const [event] = await listEvents(t, tenant, { type: 'user.updated', userId: user.id });
    expect(event.changes).toEqual({ 'attributes.a': { before: 1, after: null }, 'attributes.b': { before: 'x', after: null } });
  });

  it('a no-op patch keeps the version and writes no event', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, {
      email: 'noop@example.com',
      firstName: 'No',
      consents: { a: true },
      country: 'GB',
      locale: 'en-GB',
      roles: ['readonly', 'admin'],
    });
    for (const body of [
      {},
      { email: ' NOOP@example.com', firstName: 'No' },
      { consents: { a: true } },
      { city: null, links: {} },
      { country: 'gb', locale: 'en-gb' },
      { roles: ['admin', 'readonly', 'admin'] },
    ]) {
      const res = await patch(tenant, user.id, body);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().version).toBe(1);
      expect(res.headers.etag).toBe('"1"');
      expect(res.json().updatedAt).toBe(user.updatedAt);
    }
    expect(await listEvents(t, tenant, { type: 'user.updated', userId: user.id })).toEqual([]);
  });

  it('accepts application/merge-patch+json', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'mp@example.com', city: 'Pune' });
    const res = await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: { ...tenant.auth, 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ city: null, locale: 'en-in' }),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ city: null, locale: 'en-IN', version: 2 });

    const broken = await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: { ...tenant.auth, 'content-type': 'application/merge-patch+json' },
      payload: '{"city":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('MALFORMED_JSON');
  });

  it('If-Match: stale → 412, current (strong or weak) → 200, garbage → 400', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'ifmatch@example.com' });

    const ok = await patch(tenant, user.id, { city: 'Delhi' }, { 'if-match': '"1"' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).toBe('"2"');

    const stale = await patch(tenant, user.id, { city: 'Goa' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'PRECONDITION_FAILED', currentVersion: 2 });
    expect((await getUser(tenant, user.id)).json().city).toBe('Delhi');

    const weak = await patch(tenant, user.id, { city: 'Goa' }, { 'if-match': 'W/"2"' });
    expect(weak.statusCode, weak.body).toBe(200);
    expect(weak.json()).toMatchObject({ city: 'Goa', version: 3 });

    const star = await patch(tenant, user.id, { city: 'Agra' }, { 'if-match': '*' });
    expect(star.statusCode).toBe(200);

    const garbage = await patch(tenant, user.id, { city: 'Agra' }, { 'if-match': 'not-an-etag' });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().code).toBe('INVALID_PARAMETER');
  });

  it('keeps identifiers unique: another user’s email, phone or external id → 409 naming the holder', async () => {
    const tenant = await createTenant(t);
    const holder = await createUser(t, tenant, { email: 'holder@example.com', phone: '+14155550101', externalId: 'ext-holder' });
    const user = await createUser(t, tenant, { email: 'mover@example.com' });

    const email = await patch(tenant, user.id, { email: 'Holder@Example.com' });
    expect(email.statusCode).toBe(409);
    expect(email.json()).toMatchObject({ code: 'USER_EMAIL_TAKEN', field: 'email', existingId: holder.id });

    const phone = await patch(tenant, user.id, { phone: '+1 415 555 0101' });
    expect(phone.statusCode).toBe(409);
    expect(phone.json()).toMatchObject({ code: 'USER_PHONE_TAKEN', field: 'phone', existingId: holder.id });

    const ext = await patch(tenant, user.id, { externalId: 'ext-holder' });
    expect(ext.statusCode).toBe(409);
    expect(ext.json()).toMatchObject({ code: 'USER_EXTERNAL_ID_TAKEN', field: 'externalId', existingId: holder.id });

    const after = (await getUser(tenant, user.id)).json();
    expect(after).toMatchObject({ email: 'mover@example.com', phone: null, externalId: null, version: 1 });
  });

  it('changing roles needs the users:roles scope; other fields do not', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'roles@example.com', roles: ['readonly'] });
    const key = await createKey(t, tenant.id, { name: 'no-roles', scopes: ['users:read', 'users:write'] });
    const auth = { authorization: `Bearer ${key}` };
    const denied = await t.call({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: auth, payload: { roles: ['admin'] } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'SCOPE_MISSING', scope: 'users:roles' });
    const created = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: auth,
      payload: { email: 'r2@example.com', roles: ['admin'] },
    });
    expect(created.statusCode).toBe(403);
    // Sending the roles the user already has changes nothing, so it needs no extra scope.
    const same = await t.call({
      method: 'PATCH',
      url: `/v1/users/${user.id}`,
      headers: auth,
      payload: { roles: ['readonly'], city: 'Bonn' },
    });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json()).toMatchObject({ roles: ['readonly'], city: 'Bonn' });
    const granted = await patch(tenant, user.id, { roles: ['admin'] });
    expect(granted.statusCode).toBe(200);
    expect(granted.json().roles).toEqual(['admin']);
  });

  it('removing the last identifier → 422; removing one of two is fine', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'last@example.com', phone: '+14155550102' });
    const one = await patch(tenant, user.id, { phone: null });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().phone).toBeNull();

    const none = await patch(tenant, user.id, { email: null, phone: null, externalId: null });
    expect(none.statusCode).toBe(422);
    expect(none.json().code).toBe('USER_IDENTIFIER_REQUIRED');
    expect(fieldsOf(none)).toEqual(expect.arrayContaining(['email', 'phone', 'externalId']));
    expect((await getUser(tenant, user.id)).json().email).toBe('last@example.com');

    const empty = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { firstName: 'Nobody' } });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().code).toBe('USER_IDENTIFIER_REQUIRED');
  });

  it('404 for an unknown or malformed id; 422 for unknown fields', async () => {
    const tenant = await createTenant(t);
    const missing = await patch(tenant, '01900000-0000-7000-8000-000000000000', { city: 'x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('USER_NOT_FOUND');
    expect((await patch(tenant, 'not-a-uuid', { city: 'x' })).statusCode).toBe(404);

    const user = await createUser(t, tenant, { email: 'unknownfield@example.com' });
    const bad = await patch(tenant, user.id, { status: 'deactivated', version: 7 });
    expect(bad.statusCode).toBe(422);
    expect(fieldsOf(bad)).toEqual(expect.arrayContaining(['status', 'version']));
  });

  it('records user.updated with before/after of each changed field', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'ev@example.com', city: 'Pune', consents: { news: true } });
    const created = await listEvents(t, tenant, { type: 'user.created', userId: user.id });
    expect(created).toHaveLength(1);
    expect(created[0].changes.email).toEqual({ before: null, after: 'ev@example.com' });

    const res = await patch(
      tenant,
      user.id,
      { city: 'Mumbai', email: 'ev2@example.com', consents: { news: false } },
      { 'x-source-system': 'crm' },
    );
    const events = await listEvents(t, tenant, { type: 'user.updated', userId: user.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'user.updated',
      userId: user.id,
      tenantId: tenant.id,
      source: 'crm',
      requestId: res.headers['x-request-id'],
      actor: expect.any(String),
    });
    expect(events[0].changes).toEqual({
      city: { before: 'Pune', after: 'Mumbai' },
      email: { before: 'ev@example.com', after: 'ev2@example.com' },
      consents: { before: { news: true }, after: { news: false } },
    });
  });
});

describe('validation names the field', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['bad email', { email: 'not-an-email' }, 'email'],
    ['email with spaces inside', { email: 'a b@example.com' }, 'email'],
    ['bad phone', { phone: '12' }, 'phone'],
    ['letters as phone', { phone: 'call me' }, 'phone'],
    ['birthDate not a date', { birthDate: '2001-02-30' }, 'birthDate'],
    ['birthDate not ISO', { birthDate: '01/02/2001' }, 'birthDate'],
    ['birthDate in the future', { birthDate: '2999-01-01' }, 'birthDate'],
    ['birthDate before 1900', { birthDate: '1899-12-31' }, 'birthDate'],
    ['gender not in enum', { gender: 'robot' }, 'gender'],
    ['country alpha-3', { country: 'IND' }, 'country'],
    ['country unknown', { country: 'ZZ' }, 'country'],
    ['timezone not IANA', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['sessionsLimit 0', { sessionsLimit: 0 }, 'sessionsLimit'],
    ['sessionsLimit too big', { sessionsLimit: 1_000_000 }, 'sessionsLimit'],
    ['sessionsLimit not an integer', { sessionsLimit: 1.5 }, 'sessionsLimit'],
    ['role not known', { roles: ['admin', 'superuser'] }, 'roles[1]'],
  ];

  it.each(cases)('%s → 422 naming %s (create and patch)', async (_label, body, field) => {
    const tenant = await createTenant(t);
    const created = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'v@example.com', ...body } });
    expect(created.statusCode, created.body).toBe(422);
    expect(created.json().code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(created)).toContain(field);

    const user = await createUser(t, tenant, { email: 'v@example.com' });
    const patched = await patch(tenant, user.id, body);
    expect(patched.statusCode, patched.body).toBe(422);
    expect(fieldsOf(patched)).toContain(field);
    expect((await getUser(tenant, user.id)).json().version).toBe(1);
  });

  it('lists every invalid field at once', async () => {
    const tenant = await createTenant(t);
    const res = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'nope', phone: 'nope', timezone: 'Nowhere/Land', sessionsLimit: 0 },
    });
    expect(res.statusCode).toBe(422);
    expect(fieldsOf(res)).toEqual(expect.arrayContaining(['email', 'phone', 'timezone', 'sessionsLimit']));
  });

  it('accepts the edge values: limits 1 and 999999, every role, a real leap day, UTC and IANA zones', async () => {
    const tenant = await createTenant(t);
    const a = await createUser(t, tenant, {
      email: 'edge1@example.com',
      sessionsLimit: 1,
      roles: ['readonly', 'admin', 'plan_admin', 'admin'],
      birthDate: '2000-02-29',
      timezone: 'Asia/Kolkata',
      country: 'gb',
      gender: 'other',
    });
    expect(a).toMatchObject({ sessionsLimit: 1, roles: ['admin', 'plan_admin', 'readonly'], birthDate: '2000-02-29', country: 'GB' });
    const b = await createUser(t, tenant, { email: 'edge2@example.com', sessionsLimit: 999_999, timezone: 'UTC' });
    expect(b).toMatchObject({ sessionsLimit: 999_999, timezone: 'UTC' });
    // IANA links that ICU does not list as canonical are still IANA zones.
    const kyiv = await patch(tenant, b.id, { timezone: 'Europe/Kyiv' });
    expect(kyiv.statusCode, kyiv.body).toBe(200);
    expect(kyiv.json().timezone).toBe('Europe/Kyiv');
    const cleared = await patch(tenant, b.id, { sessionsLimit: null, timezone: null });
    expect(cleared.json()).toMatchObject({ sessionsLimit: null, timezone: null });
  });

  it('reads national phone numbers with the body’s country, else the tenant’s defaultCountry', async () => {
    const india = await createTenant(t, { defaultCountry: 'IN' });
    const a = await createUser(t, india, { email: 'in1@example.com', phone: '98765 43210' });
    expect(a.phone).toBe('+919876543210');
    const b = await createUser(t, india, { email: 'us1@example.com', phone: '(201) 555-0123', country: 'US' });
    expect(b.phone).toBe('+12015550123');
    expect(b.country).toBe('US');
    // International form wins over any default.
    const c = await createUser(t, india, { email: 'uk1@example.com', phone: '+44 20 7946 0958' });
    expect(c.phone).toBe('+442079460958');

    // A patch reads a national number with the body's country, then the user's country.
    const p1 = await patch(india, b.id, { phone: '201-555-0199' });
    expect(p1.statusCode, p1.body).toBe(200);
    expect(p1.json().phone).toBe('+12015550199');
    const p2 = await patch(india, a.id, { phone: '020 7946 0959', country: 'GB' });
    expect(p2.json().phone).toBe('+442079460959');

    // Without any default country, a national number is not a phone number.
    const plain = await createTenant(t);
    const res = await t.call({ method: 'POST', url: '/v1/users', headers: plain.auth, payload: { phone: '9876543210' } });
    expect(res.statusCode).toBe(422);
    expect(fieldsOf(res)).toContain('phone');
    // A US number read in India is invalid there.
    const wrong = await t.call({ method: 'POST', url: '/v1/users', headers: india.auth, payload: { phone: '201 555 0123' } });
    expect(wrong.statusCode).toBe(422);
  });
});

describe('by external id', () => {
  it('GET /v1/users/by-external-id/{externalId} finds the user; 404 otherwise and in another tenant', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const user = await createUser(t, tenant, { externalId: 'crm-42', email: 'crm42@example.com' });
    const res = await t.call({ method: 'GET', url: '/v1/users/by-external-id/crm-42', headers: tenant.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(user.id);
    expect(res.headers.etag).toBe('"1"');
    const encoded = await createUser(t, tenant, { externalId: 'a/b c', email: 'slash@example.com' });
    const byEncoded = await t.call({ method: 'GET', url: `/v1/users/by-external-id/${encodeURIComponent('a/b c')}`, headers: tenant.auth });
    expect(byEncoded.statusCode, byEncoded.body).toBe(200);
    expect(byEncoded.json().id).toBe(encoded.id);

    const missing = await t.call({ method: 'GET', url: '/v1/users/by-external-id/crm-43', headers: tenant.auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('USER_NOT_FOUND');
    const foreign = await t.call({ method: 'GET', url: '/v1/users/by-external-id/crm-42', headers: other.auth });
    expect(foreign.statusCode).toBe(404);
  });

  it('PUT upserts: 201 created, then 200 merging, unchanged body keeps the version', async () => {
    const tenant = await createTenant(t);
    const url = '/v1/users/by-external-id/up-1';
    const first = await t.call({
      method: 'PUT',
      url,
      headers: tenant.auth,
      payload: { email: 'up1@example.com', firstName: 'Up', city: 'Pune', consents: { news: true } },
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().created).toBe(true);
    const user = first.json().user;
    expect(user).toMatchObject({ externalId: 'up-1', email: 'up1@example.com', name: 'Up', version: 1 });
    expect(first.headers.etag).toBe('"1"');

    const second = await t.call({
      method: 'PUT',
      url,
      headers: tenant.auth,
      payload: { city: null, lastName: 'Date', consents: { sms: true } },
    });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().created).toBe(false);
    expect(second.json().user).toMatchObject({
      id: user.id,
      email: 'up1@example.com',
      firstName: 'Up',
      lastName: 'Date',
      city: null,
      consents: { news: true, sms: true },
      version: 2,
    });
    expect(second.headers.etag).toBe('"2"');

    const same = await t.call({ method: 'PUT', url, headers: tenant.auth, payload: { lastName: 'Date', consents: { sms: true } } });
    expect(same.statusCode).toBe(200);
    expect(same.json().user.version).toBe(2);
    expect(await listEvents(t, tenant, { type: 'user.updated', userId: user.id })).toHaveLength(1);
    expect(await listEvents(t, tenant, { type: 'user.created', userId: user.id })).toHaveLength(1);

    // The path's external id wins over one in the body.
    const renamed = await t.call({ method: 'PUT', url, headers: tenant.auth, payload: { externalId: 'other' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().user.externalId).toBe('up-1');
  });

  it('PUT update to an email held by another user → 409; the user is unchanged', async () => {
    const tenant = await createTenant(t);
    const holder = await createUser(t, tenant, { email: 'held2@example.com' });
    const user = await createUser(t, tenant, { externalId: 'up-4', email: 'up4@example.com' });
    const res = await t.call({
      method: 'PUT',
      url: '/v1/users/by-external-id/up-4',
      headers: tenant.auth,
      payload: { email: 'held2@example.com', city: 'Kochi' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'USER_EMAIL_TAKEN', existingId: holder.id });
    expect((await getUser(tenant, user.id)).json()).toMatchObject({ email: 'up4@example.com', city: null, version: 1 });
  });

  it('PUT create with an email held by another user → 409 naming the holder; nothing created', async () => {
    const tenant = await createTenant(t);
    const holder = await createUser(t, tenant, { email: 'held@example.com' });
    const res = await t.call({
      method: 'PUT',
      url: '/v1/users/by-external-id/up-2',
      headers: tenant.auth,
      payload: { email: 'held@example.com' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'USER_EMAIL_TAKEN', field: 'email', existingId: holder.id });
    const got = await t.call({ method: 'GET', url: '/v1/users/by-external-id/up-2', headers: tenant.auth });
    expect(got.statusCode).toBe(404);
  });

  it('PUT validates the body like a create', async () => {
    const tenant = await createTenant(t);
    const res = await t.call({ method: 'PUT', url: '/v1/users/by-external-id/up-3', headers: tenant.auth, payload: { email: 'bad' } });
    expect(res.statusCode).toBe(422);
    expect(fieldsOf(res)).toContain('email');
  });

  it('the same external id in two tenants makes two users', async () => {
    const a = await createTenant(t);
    const b = await createTenant(t);
    const ra = await t.call({
      method: 'PUT',
      url: '/v1/users/by-external-id/shared',
      headers: a.auth,
      payload: { email: 's@example.com' },
    });
    const rb = await t.call({
      method: 'PUT',
      url: '/v1/users/by-external-id/shared',
      headers: b.auth,
      payload: { email: 's@example.com' },
    });
    expect(ra.statusCode).toBe(201);
    expect(rb.statusCode).toBe(201);
    expect(ra.json().user.id).not.toBe(rb.json().user.id);
  });
});

describe('duplicates on create', () => {
  it('duplicate email, phone and external id each → 409 naming the field and the holder', async () => {
    const tenant = await createTenant(t, { defaultCountry: 'IN' });
    const holder = await createUser(t, tenant, { email: 'dupe@example.com', phone: '9876500001', externalId: 'dupe-1' });

    const email = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: ' DUPE@example.com' } });
    expect(email.statusCode).toBe(409);
    expect(email.json()).toMatchObject({ code: 'USER_EMAIL_TAKEN', field: 'email', existingId: holder.id });
    expect(email.json().errors).toEqual([{ field: 'email', code: 'taken', message: expect.any(String) }]);

    const phone = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { phone: '+91 98765 00001' } });
    expect(phone.statusCode).toBe(409);
    expect(phone.json()).toMatchObject({ code: 'USER_PHONE_TAKEN', field: 'phone', existingId: holder.id });

    const ext = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { externalId: 'dupe-1', email: 'x@example.com' },
    });
    expect(ext.statusCode).toBe(409);
    expect(ext.json()).toMatchObject({ code: 'USER_EXTERNAL_ID_TAKEN', field: 'externalId', existingId: holder.id });

    // Nothing was created by the failed attempts.
    const list = await t.call({ method: 'GET', url: '/v1/users?count=true', headers: tenant.auth });
    expect(list.json().total).toBe(1);
  });

  it('another tenant may hold the same identifiers', async () => {
    const a = await createTenant(t);
    const b = await createTenant(t);
    await createUser(t, a, { email: 'both@example.com', phone: '+14155550103', externalId: 'both' });
    const res = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: b.auth,
      payload: { email: 'both@example.com', phone: '+14155550103', externalId: 'both' },
    });
    expect(res.statusCode, res.body).toBe(201);
  });
});

describe('GET /v1/users/lookup', () => {
  it('finds by email, by phone, by both when they agree; 404 when they name different users; 400 with neither', async () => {
    const tenant = await createTenant(t, { defaultCountry: 'IN' });
    const a = await createUser(t, tenant, { email: 'look-a@example.com', phone: '+919876500011' });
    const b = await createUser(t, tenant, { email: 'look-b@example.com', phone: '+919876500012' });
    const lookup = (query: Record<string, string>, tenantArg = tenant) =>
      t.call({ method: 'GET', url: '/v1/users/lookup', headers: tenantArg.auth, query });

    const byEmail = await lookup({ email: 'LOOK-A@example.com' });
    expect(byEmail.statusCode).toBe(200);
    expect(byEmail.json().id).toBe(a.id);
    expect(byEmail.headers.etag).toBe('"1"');

    expect((await lookup({ phone: '+919876500012' })).json().id).toBe(b.id);
    expect((await lookup({ phone: '98765 00012' })).json().id).toBe(b.id);
    expect((await lookup({ email: 'look-a@example.com', phone: '9876500011' })).json().id).toBe(a.id);

    const mixed = await lookup({ email: 'look-a@example.com', phone: '+919876500012' });
    expect(mixed.statusCode).toBe(404);
    expect(mixed.json().code).toBe('USER_NOT_FOUND');
    // One known identifier and one unknown is not a match either.
    expect((await lookup({ email: 'look-a@example.com', phone: '+919876500099' })).statusCode).toBe(404);
    expect((await lookup({ email: 'nobody@example.com' })).statusCode).toBe(404);

    const neither = await lookup({});
    expect(neither.statusCode).toBe(400);
    expect(neither.json().code).toBe('INVALID_PARAMETER');
    const badEmail = await lookup({ email: 'nope' });
    expect(badEmail.statusCode).toBe(400);
    expect(fieldsOf(badEmail)).toContain('email');
    expect((await lookup({ phone: 'nope' })).statusCode).toBe(400);
    expect((await lookup({ email: 'look-a@example.com', extra: '1' })).statusCode).toBe(400);

    const other = await createTenant(t, { defaultCountry: 'IN' });
    expect((await lookup({ email: 'look-a@example.com' }, other)).statusCode).toBe(404);
    expect((await lookup({ phone: '+919876500012' }, other)).statusCode).toBe(404);
  });
});

describe('tenant isolation', () => {
  it('another tenant can neither read nor change a user', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const user = await createUser(t, tenant, { email: 'iso@example.com', externalId: 'iso' });

    expect((await getUser(other, user.id)).statusCode).toBe(404);
    const p = await patch(other, user.id, { city: 'Nowhere' });
    expect(p.statusCode).toBe(404);
    expect(p.json().code).toBe('USER_NOT_FOUND');
    const up = await t.call({ method: 'PUT', url: '/v1/users/by-external-id/iso', headers: other.auth, payload: { city: 'Nowhere' } });
    expect(up.statusCode).toBe(201);
    expect(up.json().user.id).not.toBe(user.id);

    const mine = (await getUser(tenant, user.id)).json();
    expect(mine).toMatchObject({ city: null, version: 1 });
    expect(await listEvents(t, other, { userId: user.id })).toEqual([]);
  });
});
