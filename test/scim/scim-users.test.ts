/** The SCIM Users resource end to end: Okta's and Entra ID's provisioning requests, ETags, isolation, races. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

let t: TestApp;
let tenant: TestTenant;

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const scim = { 'content-type': 'application/scim+json' };

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
  who = tenant,
) {
  return t.call({
    method,
    url: `/scim/v2${url}`,
    headers: { ...who.auth, ...(payload !== undefined ? scim : {}), ...headers },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}

/** Okta's create request (developer.okta.com "SCIM 2.0 protocol reference": Create the user). */
function oktaUser(userName: string) {
  return {
    schemas: [USER],
    userName,
    name: { givenName: 'John', familyName: 'Doe' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'John Doe',
    locale: 'en-US',
    externalId: `okta-${userName}`,
    groups: [],
    password: 'an Okta-set password 1!',
    active: true,
  };
}

describe('SCIM Users', () => {
  it('creates a user as Okta sends it, finds it by userName eq, answers the ETag', async () => {
    const created = await call('POST', '/Users', oktaUser('john.doe@example.com'));
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['content-type']).toContain('application/scim+json');
    const user = created.json();
    expect(user).toMatchObject({ userName: 'john.doe@example.com', active: true, name: { givenName: 'John', familyName: 'Doe' } });
    expect(user.password).toBeUndefined();
    expect(created.headers.etag).toBe(user.meta.version);
    expect(created.headers.location).toBe(user.meta.location);
    // Okta's existence check: GET /Users?filter=userName eq "..."&startIndex=1&count=100
    const found = await t.call({
      method: 'GET',
      url: `/scim/v2/Users?filter=${encodeURIComponent('userName eq "JOHN.doe@example.com"')}&startIndex=1&count=100`,
      headers: tenant.auth,
    });
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json()).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(found.json().Resources[0].id).toBe(user.id);
    const none = await call('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`);
    expect(none.json()).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('answers 409 uniqueness for a taken userName, 400 invalidFilter for an unknown attribute', async () => {
    await call('POST', '/Users', oktaUser('taken@example.com'));
    const again = await call('POST', '/Users', { ...oktaUser('TAKEN@example.com'), externalId: 'other', emails: [] });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const bad = await call('GET', `/Users?filter=${encodeURIComponent('nickName eq "x"')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().scimType).toBe('invalidFilter');
    const syntax = await call('GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(syntax.json().scimType).toBe('invalidFilter');
  });

  it("deactivates with Okta's replace of active and Entra's Replace with a string boolean", async () => {
    const { id } = (await call('POST', '/Users', oktaUser('okta.deact@example.com'))).json();
    const okta = await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(okta.statusCode, okta.body).toBe(200);
    expect(okta.json().active).toBe(false);
    const entra = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    });
    expect(entra.statusCode, entra.body).toBe(200);
    expect(entra.json().active).toBe(true);
  });

  it("applies Entra's path-less replace with dotted keys and a value-filtered path", async () => {
    const { id } = (await call('POST', '/Users', oktaUser('entra.user@example.com'))).json();
    const res = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', value: { 'name.givenName': 'Jane', 'name.familyName': 'Roe', displayName: 'Jane Roe' } },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'jane.roe@example.com' },
        { op: 'Add', path: 'externalId', value: 'entra-1' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      name: { givenName: 'Jane', familyName: 'Roe' },
      displayName: 'Jane Roe',
      externalId: 'entra-1',
      emails: [{ value: 'jane.roe@example.com' }],
    });
    const byEmail = await call('GET', `/Users?filter=${encodeURIComponent('emails[type eq "work" and value co "roe@example"]')}`);
    expect(byEmail.json().totalResults).toBe(1);
  });

  it('honours If-Match (412 on a stale version) and a no-op PATCH writes no event', async () => {
    const created = (await call('POST', '/Users', oktaUser('etag@example.com'))).json();
    const stale = await call(
      'PATCH',
      `/Users/${created.id}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'X' }] },
      {
        'if-match': 'W/"999"',
      },
    );
    expect(stale.statusCode).toBe(412);
    const fresh = await call(
      'PATCH',
      `/Users/${created.id}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'X' }] },
      {
        'if-match': created.meta.version,
      },
    );
    expect(fresh.statusCode, fresh.body).toBe(200);
    // This user's committed events, from the table: the feed may hold events back behind other sessions' transactions.
    const userEvents = () =>
      t.registry.db
        .selectFrom('events')
        .select(['type', 'source'])
        .where('tenant_id', '=', tenant.id)
        .where('user_id', '=', created.id)
        .execute();
    const count = (await userEvents()).length;
    const noop = await call('PATCH', `/Users/${created.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'displayName', value: 'X' }],
    });
    expect(noop.statusCode).toBe(200);
    expect(noop.json().meta.version).toBe(fresh.json().meta.version);
    const scimEvents = await userEvents();
    expect(scimEvents.length).toBe(count);
    expect(scimEvents.length).toBeGreaterThan(0);
    for (const event of scimEvents) expect(event.source).toBe('scim');
  });

  it('replaces with PUT, deletes with DELETE, and never shows another tenant’s user', async () => {
    const { id } = (await call('POST', '/Users', oktaUser('put@example.com'))).json();
    const put = await call('PUT', `/Users/${id}`, { schemas: [USER], userName: 'put2@example.com', active: true });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().userName).toBe('put2@example.com');
    expect(put.json().name).toBeUndefined();
    const other = await createTenant(t);
    for (const [method, payload] of [
      ['GET', undefined],
      ['PUT', { schemas: [USER], userName: 'x' }],
      ['PATCH', { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, `/Users/${id}`, payload, {}, other);
      expect(res.statusCode, `${method} ${res.body}`).toBe(404);
    }
    expect((await call('GET', '/Users', undefined, {}, other)).json().totalResults).toBe(0);
    expect((await call('DELETE', `/Users/${id}`)).statusCode).toBe(204);
    expect((await call('GET', `/Users/${id}`)).statusCode).toBe(404);
  });

  it('needs a key with the scim scope', async () => {
    const key = await createKey(t, tenant.id, { name: 'no-scim', scopes: ['users:read'] });
    const res = await t.call({ method: 'GET', url: '/scim/v2/Users', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json().schemas).toEqual([ERROR]);
    const none = await t.call({ method: 'GET', url: '/scim/v2/Users' });
    expect(none.statusCode).toBe(401);
  });

  it('50 parallel POST /Users with one userName: one created, 49 × 409 uniqueness', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('POST', '/Users', { schemas: [USER], userName: 'race@example.com', externalId: `race-${i}` }),
      ),
    );
    const created = responses.filter((r) => r.statusCode === 201);
    const conflicts = responses.filter((r) => r.statusCode === 409);
    expect(created.length).toBe(1);
    expect(conflicts.length).toBe(49);
    for (const r of conflicts) expect(r.json().scimType).toBe('uniqueness');
  });

  it('pages, sorts and projects', async () => {
    const sorter = await createTenant(t);
    for (const n of ['c', 'a', 'b']) await call('POST', '/Users', { schemas: [USER], userName: `${n}-sort` }, {}, sorter);
    const res = await call(
      'GET',
      '/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=1&attributes=userName',
      undefined,
      {},
      sorter,
    );
    expect(res.json()).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(Object.keys(res.json().Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
    expect(res.json().Resources[0].userName).toBe('b-sort');
    const search = await call(
      'POST',
      '/Users/.search',
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'userName sw "a-" or userName ew "c-sort"',
        excludedAttributes: ['meta'],
      },
      {},
      sorter,
    );
    expect(search.statusCode, search.body).toBe(200);
    expect(search.json().totalResults).toBe(2);
  });

  it('runs Bulk with bulkId references, per-operation failures, failOnErrors and the 413 limit', async () => {
    const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
    const res = await call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        // Refers to the user created by the second operation: it runs after it.
        {
          method: 'PATCH',
          path: '/Users/bulkId:u1',
          data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Bulk One' }] },
        },
        { method: 'POST', bulkId: 'u1', path: '/Users', data: { schemas: [USER], userName: 'bulk1@example.com' } },
        { method: 'POST', bulkId: 'dup', path: '/Users', data: { schemas: [USER], userName: 'BULK1@example.com' } },
        { method: 'DELETE', path: '/Users/bulkId:missing' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const ops = res.json().Operations;
    expect(ops.map((o: { status: string }) => o.status)).toEqual(['201', '200', '409', '409']);
    expect(ops[1].location).toBe(ops[0].location);
    expect(ops[2].response.scimType).toBe('uniqueness');
    const id = ops[0].location.split('/').at(-1);
    expect((await call('GET', `/Users/${id}`)).json().displayName).toBe('Bulk One');

    const stopped = await call('POST', '/Bulk', {
      schemas: [BULK],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', bulkId: 'a', path: '/Users', data: { schemas: [USER], userName: 'bulk1@example.com' } },
        { method: 'POST', bulkId: 'b', path: '/Users', data: { schemas: [USER], userName: 'bulk2@example.com' } },
      ],
    });
    expect(stopped.json().Operations.length).toBe(1);
    const tooMany = await call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: Array.from({ length: 101 }, (_, i) => ({ method: 'DELETE', path: `/Users/${i}` })),
    });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().scimType).toBe('tooMany');
  });
});
