/**
 * A wrong method on a known path is 405 METHOD_NOT_ALLOWED with `Allow`, in the envelope of the API called; an
 * unknown path stays 404. GET / points to the API reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { expectProblem } from '../helpers/problem.ts';

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

describe('405 on the native API', () => {
  it('answers a wrong method on a known path with 405, Allow and the methods in the detail', async () => {
    const res = await t.call({ method: 'PUT', url: '/v1/users', headers: tenant.auth });
    const problem = expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(problem.detail).toContain('GET, HEAD, POST');
  });

  it('matches paths with parameters, and lists every method of the path', async () => {
    const res = await t.call({ method: 'POST', url: '/v1/users/0190a0b0-0000-7000-8000-000000000001', headers: tenant.auth });
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(String(res.headers.allow).split(', ')).toEqual(expect.arrayContaining(['GET', 'PATCH', 'DELETE']));
    expect(String(res.headers.allow)).not.toContain('POST');
  });

  it('answers before authentication, like the 404 it replaces', async () => {
    const res = await t.call({ method: 'DELETE', url: '/health' });
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('keeps 404 NOT_FOUND for a path no method serves', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/nothing-here', headers: tenant.auth });
    expectProblem(res, 404, 'NOT_FOUND');
    expect(res.headers.allow).toBeUndefined();
  });
});

describe('405 in the dialects’ envelopes', () => {
  it('Publica.la answers as Laravel does: 405 with Allow and a message', async () => {
    const res = await t.call({ method: 'PATCH', url: '/integration-api/v1/dashboard/users', headers: tenant.auth });
    expect(res.statusCode, res.body).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(Object.keys(res.json())).toEqual(['message']);
  });
});

describe('GET /', () => {
  it('points API clients to /docs, /openapi.json and the probes in JSON', async () => {
    const res = await t.call({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({
      name: 'Roster',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', ready: '/ready' },
    });
    expect(res.json().links).not.toHaveProperty('console');
  });

  it('gives a browser a page with links', async () => {
    const res = await t.call({ method: 'GET', url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('href="/docs"');
  });

  it('names the console once the app is built with one', async () => {
    const { buildApp } = await import('../../src/app.ts');
    const app = await buildApp(t.registry, { docs: false, consolePath: '/console' });
    try {
      const res = await app.inject({ method: 'GET', url: '/' });
      expect(res.json().links).toEqual({ console: '/console', health: '/health', ready: '/ready' });
    } finally {
      await app.close();
    }
  });
});
