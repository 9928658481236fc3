/** Every resource the SCIM routes answer validates (ajv) against JSON Schemas derived from the server's own /Schemas. */
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
let validateUser: (value: unknown) => boolean;
let errors: () => unknown;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  await t.call({ method: 'POST', url: '/v1/attribute-definitions', headers: tenant.auth, payload: { name: 'tier', type: 'string' } });
  const published = await t.call({ method: 'GET', url: '/scim/v2/Schemas', headers: tenant.auth });
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(resourceJsonSchema(published.json().Resources, USER, [ENTERPRISE, ROSTER]));
  validateUser = (v) => validate(v) as boolean;
  errors = () => validate.errors;
});
afterAll(() => t.close());

function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) {
  return t.call({
    method,
    url: `/scim/v2${url}`,
    headers: { ...tenant.auth, ...(payload ? { 'content-type': 'application/scim+json' } : {}) },
    ...(payload ? { payload: JSON.stringify(payload) } : {}),
  });
}

describe('schema conformance', () => {
  it('publishes the Roster extension with the tenant’s custom attributes typed', async () => {
    const res = await call('GET', `/Schemas/${ROSTER}`);
    expect(res.statusCode).toBe(200);
    const attributes = res.json().attributes.find((a: { name: string }) => a.name === 'attributes');
    expect(attributes.subAttributes.map((s: { name: string; type: string }) => [s.name, s.type])).toContainEqual(['tier', 'string']);
  });

  it('every User the routes answer validates against the published schemas', async () => {
    const bodies: unknown[] = [];
    const created = await call('POST', '/Users', {
      schemas: [USER],
      userName: 'conform@example.com',
      name: { givenName: 'C', familyName: 'F' },
      emails: [{ value: 'conform@example.com', primary: true }],
      phoneNumbers: [{ value: '+14155550100' }],
      addresses: [{ locality: 'Paris', country: 'FR', postalCode: '75001' }],
      locale: 'fr-FR',
      timezone: 'Europe/Paris',
      [ROSTER]: { attributes: { tier: 'gold' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    bodies.push(created.json());
    const id = created.json().id;
    bodies.push((await call('GET', `/Users/${id}`)).json());
    bodies.push(
      (await call('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] })).json(),
    );
    bodies.push((await call('PUT', `/Users/${id}`, { schemas: [USER], userName: 'conform2@example.com' })).json());
    const minimal = await call('POST', '/Users', { schemas: [USER], userName: 'minimal' });
    bodies.push(minimal.json());
    const list = await call('GET', '/Users');
    expect(list.json().Resources.length).toBe(2);
    bodies.push(...list.json().Resources);
    for (const body of bodies) expect(validateUser(body), JSON.stringify(errors())).toBe(true);
  });

  it('the validator is real: a wrong resource fails', () => {
    expect(validateUser({ schemas: [USER], id: 'x', meta: { resourceType: 'User', location: 'https://x/y' } })).toBe(false);
    expect(validateUser({ schemas: [USER], id: 'x', userName: 1, meta: { resourceType: 'User', location: 'https://x/y' } })).toBe(false);
    expect(
      validateUser({ schemas: [USER], id: 'x', userName: 'a', nickName: 'n', meta: { resourceType: 'User', location: 'https://x/y' } }),
    ).toBe(false);
  });

  it('discovery answers what the server does', async () => {
    const config = (await call('GET', '/ServiceProviderConfig')).json();
    expect(config).toMatchObject({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 100 },
      filter: { supported: true, maxResults: 200 },
      etag: { supported: true },
      sort: { supported: true },
    });
    const types = (await call('GET', '/ResourceTypes')).json();
    expect(types.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
  });
});
