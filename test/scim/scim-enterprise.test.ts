/**
 * The EnterpriseUser extension over custom attributes (defined on first use, in the user change's transaction) and
 * filters on extension attributes, replayed from Okta's and Entra ID's request shapes.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { resourceJsonSchema } from './scim-json-schema.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ROSTER = 'urn:roster:params:scim:schemas:extension:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let t: TestApp;
let tenant: TestTenant;
let other: TestTenant;
let validateUser: ((value: unknown) => boolean) & { errors?: unknown };

beforeAll(async () => {
  t = await createTestApp();
  // No freeform attributes: a value needs a definition, so the enterprise ones must be defined on first use.
  tenant = await createTenant(t, { allowFreeformAttributes: false });
  other = await createTenant(t, { allowFreeformAttributes: false });
  const defined = await t.call({
    method: 'POST',
    url: '/v1/attribute-definitions',
    headers: tenant.auth,
    payload: { name: 'seats', type: 'number' },
  });
  expect(defined.statusCode, defined.body).toBe(201);
  await t.call({ method: 'POST', url: '/v1/attribute-definitions', headers: tenant.auth, payload: { name: 'tier', type: 'string' } });
  await t.call({ method: 'POST', url: '/v1/attribute-definitions', headers: tenant.auth, payload: { name: 'vip', type: 'boolean' } });
});
afterAll(() => t.close());

function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown, who = tenant) {
  return t.call({
    method,
    url: `/scim/v2${url}`,
    headers: { ...who.auth, ...(payload !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}

async function filter(text: string, who = tenant) {
  return call('GET', `/Users?filter=${encodeURIComponent(text)}`, undefined, who);
}

async function ids(text: string): Promise<string[]> {
  const res = await filter(text);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().Resources.map((r: { id: string }) => r.id);
}

/** Entra ID's create request with the enterprise extension (learn.microsoft.com, "Tutorial: Develop a SCIM endpoint"). */
function entraUser(userName: string, enterprise: Record<string, unknown>) {
  return {
    schemas: [USER, ENTERPRISE],
    externalId: `entra-${userName}`,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    [ENTERPRISE]: enterprise,
  };
}

/** The tenant's committed events of a type, from the table (the feed may hold events back behind other sessions' transactions). */
async function events(type: string): Promise<{ data: unknown }[]> {
  return t.registry.db.selectFrom('events').select('data').where('tenant_id', '=', tenant.id).where('type', '=', type).execute();
}

describe('SCIM EnterpriseUser extension', () => {
  let ellen: string;
  let boss: string;

  it('stores the enterprise fields of an Entra create as custom attributes defined on first use', async () => {
    const b = await call('POST', '/Users', entraUser('boss@example.com', { department: 'Board' }));
    expect(b.statusCode, b.body).toBe(201);
    boss = b.json().id;
    const created = await call(
      'POST',
      '/Users',
      entraUser('ellen@example.com', {
        employeeNumber: '100009',
        costCenter: 'CC-7',
        organization: 'Contoso',
        division: 'West',
        department: 'Human Resources US',
        manager: { value: boss },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const user = created.json();
    ellen = user.id;
    expect(user.schemas).toContain(ENTERPRISE);
    expect(user[ENTERPRISE]).toEqual({
      employeeNumber: '100009',
      costCenter: 'CC-7',
      organization: 'Contoso',
      division: 'West',
      department: 'Human Resources US',
      manager: { value: boss },
    });
    // Shown once: under the enterprise extension, not again among the Roster extension's attributes.
    expect(user[ROSTER].attributes).toEqual({});
    // The core holds them as custom attributes, each defined once (one attribute.defined event per name).
    const native = await t.call({ method: 'GET', url: `/v1/users/${ellen}`, headers: tenant.auth });
    expect(native.json().attributes).toMatchObject({ department: 'Human Resources US', manager: boss, employeeNumber: '100009' });
    const definitions = await t.call({ method: 'GET', url: '/v1/attribute-definitions', headers: tenant.auth });
    const byName = new Map(definitions.json().data.map((d: { name: string; type: string }) => [d.name, d.type]));
    for (const name of ['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'])
      expect(byName.get(name), name).toBe('string');
    const defined = (await events('attribute.defined')).map((e) => (e.data as { name: string }).name);
    expect(defined.filter((n) => n === 'department')).toHaveLength(1);
    expect(defined.filter((n) => n === 'manager')).toHaveLength(1);
  });

  it('another tenant gets its own definitions and sees none of these users', async () => {
    const created = await call('POST', '/Users', entraUser('ellen@example.com', { department: 'Sales' }), other);
    expect(created.statusCode, created.body).toBe(201);
    const found = await filter(`${ENTERPRISE}:department eq "Human Resources US"`, other);
    expect(found.json().totalResults).toBe(0);
  });

  it("applies Entra's PATCH forms: a URN path, a bare manager id, a path-less URN key; Okta's extension object", async () => {
    const res = await call('PATCH', `/Users/${ellen}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Sales' },
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'mgr-42' },
        { op: 'Replace', value: { [`${ENTERPRISE}:costCenter`]: 'CC-9', 'name.givenName': 'Ellen' } },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()[ENTERPRISE]).toMatchObject({ department: 'Sales', manager: { value: 'mgr-42' }, costCenter: 'CC-9' });
    expect(res.json().name.givenName).toBe('Ellen');
    // manager.value as a sub-attribute path, and a remove.
    const sub = await call('PATCH', `/Users/${ellen}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: `${ENTERPRISE}:manager.value`, value: boss },
        { op: 'remove', path: `${ENTERPRISE}:division` },
      ],
    });
    expect(sub.statusCode, sub.body).toBe(200);
    expect(sub.json()[ENTERPRISE].manager).toEqual({ value: boss });
    expect(sub.json()[ENTERPRISE].division).toBeUndefined();
    // Okta sends the extension as an object in a path-less replace.
    const okta = await call('PATCH', `/Users/${ellen}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { [ENTERPRISE]: { organization: 'Fabrikam' } } }],
    });
    expect(okta.statusCode, okta.body).toBe(200);
    expect(okta.json()[ENTERPRISE]).toMatchObject({ organization: 'Fabrikam', department: 'Sales', employeeNumber: '100009' });
    // The same PATCH again changes nothing: same version, no event (the definitions exist, none is written).
    const again = await call('PATCH', `/Users/${ellen}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { [ENTERPRISE]: { organization: 'Fabrikam' } } }],
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().meta.version).toBe(okta.json().meta.version);
    const native = await t.call({ method: 'GET', url: `/v1/users/${ellen}`, headers: tenant.auth });
    expect(native.json().attributes.division).toBeUndefined();
    expect(native.json().attributes.organization).toBe('Fabrikam');
  });

  it("reads older Entra's unqualified manager path with an array value", async () => {
    const res = await call('PATCH', `/Users/${ellen}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Add', path: 'manager', value: [{ $ref: null, value: 'mgr-legacy' }] }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()[ENTERPRISE].manager).toEqual({ value: 'mgr-legacy' });
    expect(res.json().manager).toBeUndefined();
  });

  it('a PUT without the extension clears its fields; a wrong type is 400 invalidValue', async () => {
    const put = await call('POST', '/Users', entraUser('put@example.com', { department: 'Ops', employeeNumber: '7' }));
    const id = put.json().id;
    const replaced = await call('PUT', `/Users/${id}`, {
      schemas: [USER],
      userName: 'put@example.com',
      emails: [{ value: 'put@example.com' }],
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()[ENTERPRISE]).toBeUndefined();
    expect(replaced.json().schemas).not.toContain(ENTERPRISE);
    const bad = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 12 }],
    });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().scimType).toBe('invalidValue');
  });

  it('a failing create defines nothing (the definition is in the user change’s transaction)', async () => {
    const fresh = await createTenant(t, { allowFreeformAttributes: false });
    await call('POST', '/Users', { schemas: [USER], userName: 'taken@example.com' }, fresh);
    const again = await call('POST', '/Users', entraUser('TAKEN@example.com', { division: 'North' }), fresh);
    expect(again.statusCode, again.body).toBe(409);
    const definitions = await t.call({ method: 'GET', url: '/v1/attribute-definitions', headers: fresh.auth });
    expect(definitions.json().data.map((d: { name: string }) => d.name)).not.toContain('division');
  });

  it('lists the extension in /ResourceTypes and /Schemas, and its resources validate against them', async () => {
    const types = await call('GET', '/ResourceTypes/User');
    expect(types.json().schemaExtensions).toContainEqual({ schema: ENTERPRISE, required: false });
    const published = await call('GET', '/Schemas');
    const enterprise = published.json().Resources.find((s: { id: string }) => s.id === ENTERPRISE);
    expect(enterprise.attributes.map((a: { name: string }) => a.name)).toEqual([
      'employeeNumber',
      'costCenter',
      'organization',
      'division',
      'department',
      'manager',
    ]);
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    addFormats.default(ajv);
    validateUser = ajv.compile(resourceJsonSchema(published.json().Resources, USER, [ENTERPRISE, ROSTER])) as never;
    const list = await call('GET', '/Users?count=50');
    expect(list.json().Resources.length).toBeGreaterThan(1);
    for (const resource of list.json().Resources) expect(validateUser(resource), JSON.stringify(validateUser.errors)).toBe(true);
  });
});

describe('SCIM filters on extension attributes', () => {
  const made: Record<string, string> = {};

  beforeAll(async () => {
    const rows: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['f1@example.com', { department: 'Sales', employeeNumber: '001' }, { tier: 'gold', seats: 5, vip: true }],
      ['f2@example.com', { department: 'sales', employeeNumber: '002' }, { tier: 'silver', seats: 12 }],
      ['f3@example.com', { department: 'Engineering' }, { seats: 40, vip: false }],
      ['f4@example.com', {}, {}],
    ];
    for (const [userName, enterprise, roster] of rows) {
      const res = await call('POST', '/Users', {
        ...entraUser(userName, enterprise),
        schemas: [USER, ENTERPRISE, ROSTER],
        [ROSTER]: { attributes: roster },
      });
      expect(res.statusCode, res.body).toBe(201);
      made[userName.slice(0, 2)] = res.json().id;
    }
  });

  const only = (...keys: string[]) => keys.map((k) => made[k]).sort();
  const among = async (text: string) => (await ids(text)).filter((id) => Object.values(made).includes(id)).sort();

  it('eq on an enterprise field is case-exact; co, sw, pr, not and or work', async () => {
    expect(await among(`${ENTERPRISE}:department eq "Sales"`)).toEqual(only('f1'));
    expect(await among(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:DEPARTMENT eq "sales"`)).toEqual(only('f2'));
    expect(await among(`${ENTERPRISE}:department sw "Eng"`)).toEqual(only('f3'));
    expect(await among(`${ENTERPRISE}:employeeNumber pr`)).toEqual(only('f1', 'f2'));
    expect(await among(`not (${ENTERPRISE}:employeeNumber pr)`)).toEqual(only('f3', 'f4'));
    expect(await among(`${ENTERPRISE}:department eq "Sales" or ${ENTERPRISE}:department co "ineer"`)).toEqual(only('f1', 'f3'));
    expect(await among(`${ENTERPRISE}:department ne "Sales"`)).toEqual(only('f2', 'f3', 'f4'));
    expect(await among(`${ENTERPRISE}:employeeNumber gt "001"`)).toEqual(only('f2'));
  });

  it('filters on declared custom attributes by their type', async () => {
    expect(await among(`${ROSTER}:attributes.tier eq "gold"`)).toEqual(only('f1'));
    expect(await among(`${ROSTER}:attributes.seats ge 12`)).toEqual(only('f2', 'f3'));
    expect(await among(`${ROSTER}:attributes.seats eq 5 and userName sw "f"`)).toEqual(only('f1'));
    expect(await among(`${ROSTER}:attributes.vip eq false`)).toEqual(only('f3'));
    expect(await among(`${ROSTER}:attributes.vip eq null`)).toEqual(only('f2', 'f4'));
    const total = await filter(`${ROSTER}:attributes.seats lt 100`);
    expect(total.json().totalResults).toBe(3);
  });

  it('an unknown or mistyped attribute is 400 invalidFilter', async () => {
    for (const text of [
      `${ROSTER}:attributes.nothere eq "x"`,
      `${ROSTER}:attributes.seats co "1"`,
      `${ROSTER}:attributes.seats eq "5"`,
      `${ROSTER}:attributes.vip gt true`,
      `${ENTERPRISE}:nickName eq "x"`,
      `${ENTERPRISE}:department.value eq "x"`,
      `${ROSTER}:brands eq "x"`,
    ]) {
      const res = await filter(text);
      expect(res.statusCode, `${text}: ${res.body}`).toBe(400);
      expect(res.json().scimType, text).toBe('invalidFilter');
    }
  });
});
