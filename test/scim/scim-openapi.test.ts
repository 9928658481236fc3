/**
 * /openapi/scim.json describes what the SCIM routes really answer: every operation is called, its status must be
 * one the document lists, and its body must validate (ajv, JSON Schema 2020-12) against the schema documented for
 * that status, with no top-level attribute the schema does not name.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ROSTER = 'urn:roster:params:scim:schemas:extension:2.0:User';

type Json = Record<string, any>;
let t: TestApp;
let tenant: TestTenant;
let doc: Json;
let ajv: InstanceType<typeof Ajv2020.default>;
const called = new Set<string>();

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  await t.call({ method: 'POST', url: '/v1/attribute-definitions', headers: tenant.auth, payload: { name: 'tier', type: 'string' } });
  doc = (await t.call({ method: 'GET', url: '/openapi/scim.json' })).json();
  ajv = new Ajv2020.default({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema(doc, 'scim.json');
  // A PGlite start takes far longer than the default hook timeout on a loaded machine.
}, 240_000);
afterAll(() => t?.close(), 60_000);

/** The component a `$ref` names. */
const component = (schema: Json): Json => doc.components.schemas[String(schema.$ref).split('/').pop() as string];

/** Calls a SCIM operation and checks the answer against the document; returns the parsed body. */
async function call(
  method: string,
  template: string,
  path: string,
  payload?: unknown,
  headers: Json = {},
): Promise<{ status: number; body: any }> {
  const res = await t.call({
    method: method as 'GET',
    url: `/scim/v2${path}`,
    headers: { ...tenant.auth, ...(payload ? { 'content-type': 'application/scim+json' } : {}), ...headers },
    ...(payload ? { payload: JSON.stringify(payload) } : {}),
  });
  const operation = doc.paths[`/scim/v2${template}`]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  called.add(operation.operationId);
  const documented = operation.responses[String(res.statusCode)];
  expect(documented, `${method} ${path} answered ${res.statusCode}, which the document does not list`).toBeDefined();
  const media = documented.content?.['application/scim+json'];
  if (!media) {
    expect(res.body, `${method} ${path}: no body documented`).toBe('');
    return { status: res.statusCode, body: null };
  }
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  const body = res.json();
  const validate = ajv.getSchema(`scim.json${media.schema.$ref}`);
  if (!validate) throw new Error(`no schema ${media.schema.$ref}`);
  expect(validate(body), `${method} ${path} ${res.statusCode}: ${JSON.stringify(validate.errors)}`).toBe(true);
  const schema = component(media.schema);
  const items = schema.properties.Resources
    ? body.Resources.map((r: Json) => [r, component(schema.properties.Resources.items)])
    : [[body, schema]];
  for (const [value, itemSchema] of items) {
    const extra = Object.keys(value).filter((key) => !(key in itemSchema.properties));
    expect(extra, `${method} ${path}: attributes the document does not name`).toEqual([]);
  }
  return { status: res.statusCode, body };
}

describe('/openapi/scim.json against the SCIM routes', () => {
  it('declares the bearer key and response schemas for every operation', () => {
    expect(doc.security).toEqual([{ scimKey: [] }]);
    for (const item of Object.values<Json>(doc.paths)) {
      for (const operation of Object.values<Json>(item)) {
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((s) => s.startsWith('2')),
          operation.operationId,
        ).toBe(true);
        expect(statuses, operation.operationId).toEqual(expect.arrayContaining(['401', '403']));
        for (const [status, response] of Object.entries<Json>(operation.responses)) {
          if (status !== '204')
            expect(response.content?.['application/scim+json']?.schema?.$ref, `${operation.operationId} ${status}`).toBeTruthy();
        }
      }
    }
  });

  it('every answer of every operation matches the schema documented for its status', async () => {
    await call('GET', '/ServiceProviderConfig', '/ServiceProviderConfig');
    await call('GET', '/ResourceTypes', '/ResourceTypes');
    await call('GET', '/ResourceTypes/{id}', '/ResourceTypes/User');
    await call('GET', '/ResourceTypes/{id}', '/ResourceTypes/Nope');
    await call('GET', '/Schemas', '/Schemas');
    await call('GET', '/Schemas/{id}', `/Schemas/${ROSTER}`);
    await call('GET', '/Schemas/{id}', '/Schemas/urn:nope');

    const ada = {
      schemas: [USER, ROSTER],
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+14155550100', type: 'mobile' }],
      addresses: [{ locality: 'London', country: 'GB' }],
      active: true,
      [ROSTER]: { attributes: { tier: 'gold' } },
    };
    const user = (await call('POST', '/Users', '/Users', ada)).body;
    expect((await call('POST', '/Users', '/Users', ada)).status).toBe(409);
    expect((await call('POST', '/Users', '/Users', { userName: 'no-schemas' })).status).toBe(400);
    await call('GET', '/Users/{id}', `/Users/${user.id}`);
    expect((await call('GET', '/Users/{id}', '/Users/01933b6e-8f4a-7c3e-9a51-6d2f0c4b8e17')).status).toBe(404);
    await call('GET', '/Users', '/Users?filter=userName%20eq%20%22ada@example.com%22&count=10');
    expect((await call('GET', '/Users', '/Users?filter=userName%20eq')).status).toBe(400);
    await call('POST', '/Users/.search', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], count: 5 });
    const patched = await call('PATCH', '/Users/{id}', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(patched.body.active).toBe(false);
    expect(
      (await call('PUT', '/Users/{id}', `/Users/${user.id}`, { schemas: [USER], userName: 'ada@example.com' }, { 'if-match': 'W/"1"' }))
        .status,
    ).toBe(412);
    await call('PUT', '/Users/{id}', `/Users/${user.id}`, { schemas: [USER], userName: 'ada@example.com' });

    const group = (await call('POST', '/Groups', '/Groups', { schemas: [GROUP], displayName: 'Staff', members: [{ value: user.id }] }))
      .body;
    await call('GET', '/Groups/{id}', `/Groups/${group.id}`);
    await call('GET', '/Groups', '/Groups');
    await call('POST', '/Groups/.search', '/Groups/.search', { filter: 'displayName eq "Staff"' });
    await call('PATCH', '/Groups/{id}', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }],
    });
    await call('PUT', '/Groups/{id}', `/Groups/${group.id}`, { schemas: [GROUP], displayName: 'Staff' });

    const bulk = await call('POST', '/Bulk', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', bulkId: 'b1', path: '/Users', data: { schemas: [USER], userName: 'bulk@example.com' } },
        { method: 'POST', bulkId: 'b2', path: '/Users', data: { schemas: [USER], userName: 'bulk@example.com' } },
      ],
    });
    expect(bulk.body.Operations.map((o: Json) => o.status)).toEqual(['201', '409']);
    expect((await call('POST', '/Bulk', '/Bulk', { Operations: [] })).status).toBe(400);

    await call('DELETE', '/Groups/{id}', `/Groups/${group.id}`);
    await call('DELETE', '/Users/{id}', `/Users/${user.id}`);
    expect((await call('DELETE', '/Users/{id}', `/Users/${user.id}`)).status).toBe(404);

    const unauthenticated = await t.call({ method: 'GET', url: '/scim/v2/Users' });
    expect(doc.paths['/scim/v2/Users'].get.responses[String(unauthenticated.statusCode)]).toBeDefined();
    const operations = Object.values<Json>(doc.paths).flatMap((item) => Object.values<Json>(item).map((op) => op.operationId));
    expect([...called].sort()).toEqual(operations.sort());
  });

  it('the check is real: a body the schema refuses fails it', () => {
    const validate = ajv.getSchema('scim.json#/components/schemas/ScimUser');
    expect(validate?.({ schemas: [USER], userName: 7 })).toBe(false);
    expect(validate?.({ userName: 'a' })).toBe(false);
    expect(ajv.getSchema('scim.json#/components/schemas/ScimError')?.({ schemas: [], status: 400, detail: 'x' })).toBe(false);
  });
});
