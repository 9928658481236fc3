import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT_NAMES } from '../../src/dialects/dialects.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const committed = (file: string) => JSON.parse(readFileSync(new URL(`../../openapi/${file}`, import.meta.url), 'utf8'));
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

describe('committed OpenAPI documents', () => {
  it('openapi/roster.json is what /openapi.json serves (run npm run openapi after an API change)', async () => {
    const served = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    expect(served).toEqual(committed('roster.json'));
  });

  it.each([...DIALECT_NAMES, 'scim'])('openapi/%s.json is what /openapi/<dialect>.json serves', async (name) => {
    const res = await t.call({ method: 'GET', url: `/openapi/${name}.json` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(committed(`${name}.json`));
    expect(Object.keys(res.json().paths).length).toBeGreaterThan(0);
  });

  it('an unknown dialect document is a 404 problem', async () => {
    const res = await t.call({ method: 'GET', url: '/openapi/nope.json' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});

describe('native document quality', () => {
  it('every operation has a unique camelCase operationId, a summary, a tag and a security requirement', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const method of METHODS.filter((m) => item[m])) {
        const op = item[method];
        const where = `${method} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]*$/);
        expect(ids.has(op.operationId), where).toBe(false);
        ids.add(op.operationId);
        expect(op.summary, where).toBeTruthy();
        expect(op.tags?.length, where).toBeGreaterThan(0);
        expect(Array.isArray(op.security), where).toBe(true);
        if (path.startsWith('/v1/')) {
          expect(
            Object.keys(op.responses).some((s) => s.startsWith('4')),
            where,
          ).toBe(true);
          for (const [status, response] of Object.entries<any>(op.responses)) {
            if (Number(status) >= 400) expect(Object.keys(response.content), `${where} ${status}`).toEqual(['application/problem+json']);
          }
        }
      }
    }
    expect(ids.size).toBeGreaterThan(60);
    // No dialect path in the native document.
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/v1/') || ['/health', '/ready', '/.well-known/jwks.json'].includes(p))).toBe(
      true,
    );
  });

  it('declares tenant key, access token and admin token security per operation', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/v1/users/{id}'].get.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/v1/me'].get.security).toEqual([{ accessToken: [] }]);
    expect(doc.paths['/v1/admin/tenants'].post.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  it('lists the catalogue codes an error status can carry', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    const conflict = doc.paths['/v1/users'].post.responses['409'].content['application/problem+json'].schema;
    expect(conflict.allOf[0]).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(conflict.allOf[1].properties.code.enum).toEqual(expect.arrayContaining(['USER_EMAIL_TAKEN', 'USER_PHONE_TAKEN']));
    expect(doc.paths['/v1/users/{id}'].get.responses['200'].content['application/json'].example.email).toBe('ada@example.com');
  });
});
