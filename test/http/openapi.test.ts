import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/backend.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists the users and admin paths', async () => {
    const res = await t.call({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Roster' });
    const paths = Object.keys(doc.paths);
    for (const path of [
      '/v1/users',
      '/v1/users/{id}',
      '/v1/users/find-or-create',
      '/v1/users/lookup',
      '/v1/events',
      '/v1/admin/tenants',
      '/v1/admin/tenants/{id}',
      '/v1/admin/tenants/{id}/brands',
      '/v1/admin/tenants/{id}/keys',
      '/v1/admin/tenants/{id}/keys/{keyId}',
      '/v1/companies',
      '/v1/companies/{companyId}',
      '/v1/companies/{companyId}/members',
      '/v1/users/{id}/companies',
      '/v1/users/{id}/companies/{companyId}',
      '/v1/plans',
      '/v1/plans/{planId}',
      '/v1/users/{id}/plans',
      '/v1/users/{id}/plans/{assignmentId}',
      '/v1/roles',
      '/v1/roles/{name}',
      '/v1/groups',
      '/v1/groups/{groupId}',
      '/v1/groups/{groupId}/members',
      '/v1/groups/{groupId}/members/{userId}',
      '/v1/users/{id}/groups',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(Object.keys(doc.paths['/v1/users'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/v1/users/{id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    expect(Object.keys(doc.paths['/v1/admin/tenants/{id}/keys/{keyId}']).sort()).toEqual(['delete', 'patch']);
    for (const path of [
      '/v1/sessions',
      '/v1/sessions/refresh',
      '/v1/sessions/introspect',
      '/v1/me',
      '/v1/users/{id}/logout',
      '/.well-known/jwks.json',
    ]) {
      expect(paths, path).toContain(path);
    }
    // Internal routes are not documented.
    expect(paths).not.toContain('/openapi.json');
  });

  it('has User and Problem schemas, referenced by the operations', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['User', 'Problem', 'Company', 'Plan', 'Group']));
    expect(schemas.User.properties).toHaveProperty('email');
    expect(schemas.User.properties).toHaveProperty('version');
    expect(schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code', 'detail', 'requestId']));

    const text = JSON.stringify(doc.paths);
    expect(text).toContain('#/components/schemas/User');
    expect(text).toContain('#/components/schemas/Problem');
    const create = doc.paths['/v1/users'].post;
    expect(JSON.stringify(create.responses['201'])).toContain('#/components/schemas/User');
    expect(JSON.stringify(create.responses['422'])).toContain('#/components/schemas/Problem');
    // Every $ref resolves.
    for (const ref of text.match(/#\/components\/schemas\/[^"]+/g) ?? []) {
      expect(schemas, ref).toHaveProperty(ref.slice('#/components/schemas/'.length));
    }
  });

  it('documents the API key and admin token security schemes', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('API reference page', () => {
  it('serves an HTML page at /docs (following the redirect to /docs/)', async () => {
    let res = await t.call({ method: 'GET', url: '/docs' });
    if (res.statusCode === 301 || res.statusCode === 302) {
      expect(res.headers.location).toBe('/docs/');
      res = await t.call({ method: 'GET', url: res.headers.location as string });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
    expect(res.body).toContain('/openapi.json');
  });
});

describe('health and readiness', () => {
  it('GET /health answers 200 without credentials', async () => {
    const res = await t.call({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 with the backend name', async () => {
    const res = await t.call({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', backend });
    expect(res.headers['x-request-id']).toBeTruthy();
  });
});
