/** The SCIM Groups resource end to end: Okta's and Entra ID's membership PATCHes, ETags, isolation, Bulk, conformance. */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { importFile, ndjson } from '../helpers/imports.ts';
import { createUser } from '../helpers/users.ts';
import { resourceJsonSchema } from './scim-json-schema.ts';

let t: TestApp;
let tenant: TestTenant;
let validateGroup: (value: unknown) => boolean;
let schemaErrors: () => unknown;
let seq = 0;

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const scim = { 'content-type': 'application/scim+json' };
/** Every Group body a test received, validated against /Schemas at the end. */
const received: unknown[] = [];

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  const published = await t.call({ method: 'GET', url: '/scim/v2/Schemas', headers: tenant.auth });
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(resourceJsonSchema(published.json().Resources, GROUP, []));
  validateGroup = (v) => validate(v) as boolean;
  schemaErrors = () => validate.errors;
});
afterAll(() => t.close());

async function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
  who = tenant,
) {
  const res = await t.call({
    method,
    url: `/scim/v2${url}`,
    headers: { ...who.auth, ...(payload !== undefined ? scim : {}), ...headers },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  // Whole resources only: a projection (attributes=) may leave out meta, which the schema requires.
  if (res.statusCode < 300 && url.startsWith('/Groups') && !url.includes('attributes=') && res.body) {
    const body = res.json();
    if (Array.isArray(body.Resources)) received.push(...body.Resources);
    else received.push(body);
  }
  return res;
}

async function users(n: number, who = tenant): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, () =>
        createUser(t, who, { email: `g${seq++}-${Date.now().toString(36)}@example.com`, name: `Member ${seq}` }),
      ),
    );
    ids.push(...batch.map((u) => u.id));
  }
  return ids;
}

/** `n` users of the tenant created by one bulk import (set-based: 1,000 single creates would be most of a test). */
async function importedUsers(n: number, who = tenant): Promise<string[]> {
  const prefix = `bulk${seq++}${Date.now().toString(36)}`;
  const rows = ndjson(Array.from({ length: n }, (_, i) => ({ email: `${prefix}-${i}@example.com`, name: `Member ${i}` })));
  const { job } = await importFile(t, who, rows, 'application/x-ndjson', '', 1000);
  expect(job).toMatchObject({ status: 'succeeded', created: n });
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { q: prefix, limit: '200', ...(cursor ? { cursor } : {}) };
    const page = (await t.call({ method: 'GET', url: '/v1/users', headers: who.auth, query })).json();
    ids.push(...page.data.map((u: { id: string }) => u.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

async function countEvents(type: string, who = tenant): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from events where tenant_id = ${who.id}::uuid and type = ${type}`.execute(t.registry.db);
  return Number(rows[0]?.n);
}

const members = (body: { members?: { value: string }[] }) => (body.members ?? []).map((m) => m.value).sort();

describe('SCIM Groups', () => {
  it("creates a group as Okta does, then applies Okta's membership PATCHes", async () => {
    const [a, b, c] = await users(3);
    // Okta: POST /Groups with displayName and an empty member list.
    const created = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Okta Engineering', members: [] });
    expect(created.statusCode, created.body).toBe(201);
    const group = created.json();
    expect(created.headers.location).toBe(group.meta.location);
    expect(created.headers.etag).toBe(group.meta.version);
    expect(group).toMatchObject({ displayName: 'Okta Engineering', members: [], meta: { resourceType: 'Group' } });
    // Okta: PATCH add members, with display.
    const added = await call('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: a, display: 'a' }, { value: b }] }],
    });
    expect(added.statusCode, added.body).toBe(200);
    expect(members(added.json())).toEqual([a, b].sort());
    const entry = added.json().members.find((m: { value: string }) => m.value === a);
    expect(entry).toMatchObject({
      $ref: `${group.meta.location.replace(/Groups\/.*/, '')}Users/${a}`,
      display: expect.stringMatching(/^Member /),
    });
    // Okta: PATCH remove members by value list; replace displayName.
    const removed = await call('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'remove', path: 'members', value: [{ value: a }] },
        { op: 'add', path: 'members', value: [{ value: c }] },
        { op: 'replace', value: { id: group.id, displayName: 'Okta Eng' } },
      ],
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().displayName).toBe('Okta Eng');
    expect(members(removed.json())).toEqual([b, c].sort());
    // Okta's GET /Groups?filter=displayName eq … (case-insensitive) and Entra's excludedAttributes=members.
    const found = await call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "okta eng"')}&excludedAttributes=members`);
    expect(found.json()).toMatchObject({ totalResults: 1, Resources: [{ id: group.id, displayName: 'Okta Eng' }] });
    expect(found.json().Resources[0].members).toBeUndefined();
    const byMember = await call('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${c}"]`)}`);
    expect(byMember.json().Resources.map((g: { id: string }) => g.id)).toEqual([group.id]);
    expect(members(byMember.json().Resources[0])).toEqual([b, c].sort());
    const bad = await call('GET', `/Groups?filter=${encodeURIComponent('displayName co "x"')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().scimType).toBe('invalidFilter');
  });

  it("applies Entra ID's forms: capitalized ops, remove by value filter, replace displayName; a no-op writes nothing", async () => {
    const [a, b] = await users(2);
    const created = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Entra Sales', externalId: 'entra-sales' });
    const id = created.json().id;
    const add = await call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: a }, { value: b }] }],
    });
    expect(members(add.json())).toEqual([a, b].sort());
    const remove = await call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Remove', path: `members[value eq "${a}"]` }],
    });
    expect(remove.statusCode, remove.body).toBe(200);
    expect(members(remove.json())).toEqual([b]);
    const rename = await call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Replace', path: 'displayName', value: 'Entra Sales EMEA' }],
    });
    expect(rename.json().displayName).toBe('Entra Sales EMEA');
    const byExternal = await call('GET', `/Groups?filter=${encodeURIComponent('externalId eq "entra-sales"')}`);
    expect(byExternal.json().totalResults).toBe(1);

    // Writes honour excludedAttributes=members (what the membership bench sends).
    const quiet = await call('PATCH', `/Groups/${id}?excludedAttributes=members`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: a }] }],
    });
    expect(quiet.statusCode, quiet.body).toBe(200);
    expect(quiet.json().members).toBeUndefined();
    const removedAgain = await call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${a}"]` }],
    });
    expect(members(removedAgain.json())).toEqual([b]);

    const before = removedAgain.json().meta.version;
    const events = await countEvents('group.member_added');
    const noop = await call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Add', path: 'members', value: [{ value: b }] },
        { op: 'Remove', path: `members[value eq "${a}"]` },
      ],
    });
    expect(noop.statusCode, noop.body).toBe(200);
    expect(noop.json().meta.version).toBe(before);
    expect(await countEvents('group.member_added')).toBe(events);
  });

  it('adds 1,000 members in one PATCH', async () => {
    const ids = await importedUsers(1000);
    expect(ids).toHaveLength(1000);
    const id = (await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Everyone' })).json().id;
    const started = Date.now();
    const res = await call('PATCH', `/Groups/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
    });
    const ms = Date.now() - started;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().members.length).toBe(1000);
    expect(members(res.json())).toEqual([...ids].sort());
    console.info(`PATCH adding 1,000 members: ${ms} ms`);
    const list = await call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Everyone"')}`);
    expect(list.json().Resources[0].members.length).toBe(1000);
  });

  it('answers 409 uniqueness, 400 for an unknown member, 412 on a stale If-Match, pages with exact totals', async () => {
    const who = await createTenant(t);
    const first = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Unique', externalId: 'u-1' }, {}, who);
    const id = first.json().id;
    const sameName = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'UNIQUE' }, {}, who);
    expect(sameName.statusCode).toBe(409);
    expect(sameName.json().scimType).toBe('uniqueness');
    const sameExternal = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Other', externalId: 'u-1' }, {}, who);
    expect(sameExternal.statusCode).toBe(409);
    expect(sameExternal.json().scimType).toBe('uniqueness');
    const unknown = await call(
      'PATCH',
      `/Groups/${id}`,
      { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] }] },
      {},
      who,
    );
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().scimType).toBe('invalidValue');

    const stale = await call(
      'PATCH',
      `/Groups/${id}`,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Stale' }] },
      { 'if-match': 'W/"99"' },
      who,
    );
    expect(stale.statusCode).toBe(412);
    const current = first.headers.etag as string;
    const put = await call('PUT', `/Groups/${id}`, { schemas: [GROUP], displayName: 'Unique 2' }, { 'if-match': current }, who);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ displayName: 'Unique 2', members: [] });
    expect(put.json().externalId).toBeUndefined();
    expect((await call('DELETE', `/Groups/${id}`, undefined, { 'if-match': current }, who)).statusCode).toBe(412);

    for (const n of ['P1', 'P2', 'P3']) await call('POST', '/Groups', { schemas: [GROUP], displayName: n }, {}, who);
    const page = await call('GET', '/Groups?startIndex=2&count=2&attributes=displayName', undefined, {}, who);
    expect(page.json()).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(Object.keys(page.json().Resources[0]).sort()).toEqual(['displayName', 'id', 'schemas']);
    expect((await call('GET', '/Groups?count=0', undefined, {}, who)).json()).toMatchObject({ totalResults: 4, Resources: [] });

    expect((await call('DELETE', `/Groups/${id}`, undefined, { 'if-match': put.headers.etag as string }, who)).statusCode).toBe(204);
    expect((await call('GET', `/Groups/${id}`, undefined, {}, who)).statusCode).toBe(404);
  });

  it('keeps a group’s Roster roles through a SCIM PUT and PATCH', async () => {
    const who = await createTenant(t);
    await t.call({ method: 'POST', url: '/v1/roles', headers: who.auth, payload: { name: 'editor' } });
    const native = await t.call({
      method: 'POST',
      url: '/v1/groups',
      headers: who.auth,
      payload: { displayName: 'Editors', roles: ['editor'] },
    });
    expect(native.statusCode, native.body).toBe(201);
    const id = native.json().id;
    const put = await call('PUT', `/Groups/${id}`, { schemas: [GROUP], displayName: 'Editors 2', members: [] }, {}, who);
    expect(put.statusCode, put.body).toBe(200);
    const after = await t.call({ method: 'GET', url: `/v1/groups/${id}`, headers: who.auth });
    expect(after.json()).toMatchObject({ displayName: 'Editors 2', roles: ['editor'] });
  });

  it('answers 404 for another tenant’s group on every route, and refuses its users as members', async () => {
    const other = await createTenant(t);
    const [stranger] = await users(1, other);
    const theirs = (await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Theirs' }, {}, other)).json().id;
    const patch = { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Mine' }] };
    for (const [method, payload] of [
      ['GET', undefined],
      ['PUT', { schemas: [GROUP], displayName: 'Mine' }],
      ['PATCH', patch],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, `/Groups/${theirs}`, payload);
      expect(res.statusCode, `${method} ${res.body}`).toBe(404);
      expect(res.json().status).toBe('404');
    }
    expect((await call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Theirs"')}`)).json().totalResults).toBe(0);
    const mine = (await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Mine only' })).json().id;
    const foreign = await call('PATCH', `/Groups/${mine}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: stranger }] }],
    });
    expect(foreign.statusCode).toBe(400);
    expect((await call('GET', `/Groups/${theirs}`, undefined, {}, other)).json().displayName).toBe('Theirs');
  });

  it('runs Bulk: a user created and added to a group in one request, by bulkId', async () => {
    const res = await call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        {
          method: 'POST',
          bulkId: 'g',
          path: '/Groups',
          data: { schemas: [GROUP], displayName: 'Bulk Group', members: [{ value: 'bulkId:u' }] },
        },
        { method: 'POST', bulkId: 'u', path: '/Users', data: { schemas: [USER], userName: 'bulk-member@example.com' } },
        {
          method: 'PATCH',
          path: '/Groups/bulkId:g',
          data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Bulk Group 2' }] },
        },
        { method: 'POST', bulkId: 'dup', path: '/Groups', data: { schemas: [GROUP], displayName: 'bulk group 2' } },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const ops = res.json().Operations;
    expect(ops.map((o: { status: string }) => o.status)).toEqual(['201', '201', '200', '409']);
    const userId = ops[0].location.split('/').at(-1);
    expect(ops[1].location).toMatch(/\/Groups\//);
    const group = await call('GET', ops[1].location.replace(/.*\/scim\/v2/, ''));
    expect(group.json()).toMatchObject({ displayName: 'Bulk Group 2', members: [{ value: userId, display: 'bulk-member@example.com' }] });
    const user = await t.call({ method: 'GET', url: `/scim/v2/Users/${userId}`, headers: tenant.auth });
    const expected = [{ value: group.json().id, $ref: group.json().meta.location, display: 'Bulk Group 2', type: 'direct' }];
    expect(user.json().groups).toEqual(expected);
    const filter = encodeURIComponent('userName eq "bulk-member@example.com"');
    const listed = await t.call({ method: 'GET', url: `/scim/v2/Users?filter=${filter}`, headers: tenant.auth });
    expect(listed.json().Resources[0].groups).toEqual(expected);
    const projected = await t.call({
      method: 'GET',
      url: `/scim/v2/Users?filter=${filter}&excludedAttributes=groups`,
      headers: tenant.auth,
    });
    expect(projected.json().Resources[0].groups).toBeUndefined();
  });

  it('publishes the Group resource type, and every Group answered validates against /Schemas', async () => {
    const types = await call('GET', '/ResourceTypes');
    expect(types.json().Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
    expect((await call('GET', '/ResourceTypes/Group')).json()).toMatchObject({ endpoint: '/Groups', schema: GROUP });
    expect(received.length).toBeGreaterThan(20);
    for (const body of received) expect(validateGroup(body), JSON.stringify(schemaErrors())).toBe(true);
    expect(validateGroup({ schemas: [GROUP], id: 'x', meta: { resourceType: 'Group', location: 'https://x/y' } })).toBe(false);
    expect(
      validateGroup({
        schemas: [GROUP],
        id: 'x',
        displayName: 'd',
        members: [{ value: 'u', owner: 1 }],
        meta: { resourceType: 'Group', location: 'https://x/y' },
      }),
    ).toBe(false);
  });
});
