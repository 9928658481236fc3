import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/app.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { expectProblem, problemFields } from '../helpers/problem.ts';

let t: TestApp;
let tenant: TestTenant;
let userId: string;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
  userId = (await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 'base@example.com' } })).json().id;
});
afterAll(() => t.close());

function raw(method: 'POST' | 'PATCH', url: string, body: string | Buffer, contentType = 'application/json') {
  return t.call({ method, url, headers: { ...tenant.auth, 'content-type': contentType }, payload: body });
}

describe('bad input: bodies', () => {
  it('refuses a body over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    expect(BODY_LIMIT).toBe(1024 * 1024);
    const big = JSON.stringify({ email: 'big@example.com', name: 'x'.repeat(BODY_LIMIT) });
    for (const [method, url] of [
      ['POST', '/v1/users'],
      ['POST', '/v1/users/find-or-create'],
      ['PATCH', `/v1/users/${userId}`],
    ] as const) {
      const res = await raw(method, url, big);
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    }
    // Just under the limit is parsed (and then refused for the long name, by field).
    const under = JSON.stringify({ email: 'big@example.com', name: 'x'.repeat(BODY_LIMIT - 100) });
    expect(Buffer.byteLength(under)).toBeLessThan(BODY_LIMIT);
    const res = await raw('POST', '/v1/users', under);
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(problemFields(res)).toEqual(['name']);
  });

  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    for (const body of ['{', '{"email": }', "{'email': 'a@b.c'}", '{"email":"a@b.c"}}', 'nul', '\u0000']) {
      const res = await raw('POST', '/v1/users', body);
      expectProblem(res, 400, 'MALFORMED_JSON');
    }
    const patch = await raw('PATCH', `/v1/users/${userId}`, '{"name":', 'application/merge-patch+json');
    expectProblem(patch, 400, 'MALFORMED_JSON');
  });

  it('refuses an empty JSON body with 400 MALFORMED_JSON', async () => {
    expectProblem(await raw('POST', '/v1/users', ''), 400, 'MALFORMED_JSON');
  });

  it('refuses other content types with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await raw('POST', '/v1/users', 'email=a@example.com', type);
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    // JSON with a charset, and merge-patch+json on PATCH, are accepted.
    const charset = await raw('POST', '/v1/users', JSON.stringify({ email: 'cs@example.com' }), 'application/json; charset=utf-8');
    expect(charset.statusCode, charset.body).toBe(201);
    const merge = await raw('PATCH', `/v1/users/${userId}`, JSON.stringify({ name: 'Merged' }), 'application/merge-patch+json');
    expect(merge.statusCode, merge.body).toBe(200);
    expect(merge.json().name).toBe('Merged');
  });

  it('refuses wrong types with 422 naming each field', async () => {
    for (const [payload, fields] of [
      [{ email: 5 }, ['email']],
      [{ email: 'a@example.com', name: ['x'] }, ['name']],
      [{ email: 'a@example.com', roles: 'admin' }, ['roles']],
      [{ email: 'a@example.com', roles: [1] }, ['roles[0]']],
      [{ email: 'a@example.com', sessionsLimit: 1.5 }, ['sessionsLimit']],
      [{ email: 'a@example.com', consents: { marketing: 'yes' } }, ['consents.marketing']],
      [{ email: 'a@example.com', links: { nope: 'x' } }, ['links.nope']],
      [{ email: 'a@example.com', gender: 'robot' }, ['gender']],
      [{ email: 5, phone: true }, ['email', 'phone']],
    ] as const) {
      const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload });
      const problem = expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problemFields(res).sort(), JSON.stringify(payload)).toEqual([...fields].sort());
      for (const e of problem.errors) {
        expect(typeof e.code).toBe('string');
        expect(typeof e.message).toBe('string');
      }
    }
  });

  it('explains a union type once, in words', async () => {
    const wrongType = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 5 } });
    expect(wrongType.json().errors).toEqual([{ field: 'email', code: 'invalid_type', message: 'must be a string or null' }]);
    const tooLong = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: `${'a'.repeat(400)}@x.io` } });
    expect(tooLong.json().errors).toEqual([{ field: 'email', code: 'too_long', message: 'must be at most 320 characters' }]);
    const gender = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: tenant.auth,
      payload: { email: 'g@example.com', gender: 'robot' },
    });
    const [error] = gender.json().errors;
    expect(error).toMatchObject({ field: 'gender', code: 'invalid_enum' });
    expect(error.message).toMatch(/^must be one of "[a-z_]+"/);
    expect(error.message).toMatch(/null$/);
  });

  it('refuses bad values with 422 naming the field', async () => {
    for (const [payload, field] of [
      [{ email: 'not-an-email' }, 'email'],
      [{ phone: 'call me' }, 'phone'],
      [{ email: 'a@example.com', country: 'ZZ' }, 'country'],
      [{ email: 'a@example.com', birthDate: '2001-02-30' }, 'birthDate'],
      [{ email: 'a@example.com', timezone: 'Mars/Olympus' }, 'timezone'],
    ] as const) {
      const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload });
      expectProblem(res, 422, 'VALIDATION_FAILED');
      expect(problemFields(res), JSON.stringify(payload)).toContain(field);
    }
    const none = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { name: 'Nobody' } });
    expectProblem(none, 422, 'USER_IDENTIFIER_REQUIRED');
  });

  it('refuses text the database cannot store (NUL, unpaired surrogates) with 422 naming the field', async () => {
    for (const [payload, field] of [
      [{ email: 'nul@example.com', name: 'a\u0000b' }, 'name'],
      [{ email: 'nul@example.com', city: '\ud800' }, 'city'],
      [{ email: 'nul@example.com', lastName: 'x\udc00' }, 'lastName'],
      [{ email: 'nul@example.com', links: { twitter: 'https://example.com/\u0000' } }, 'links.twitter'],
      [{ email: 'nul@example.com', consents: { 'a\u0000': true } }, 'consents.a\u0000'],
    ] as const) {
      for (const [method, url] of [
        ['POST', '/v1/users'],
        ['POST', '/v1/users/find-or-create'],
        ['PATCH', `/v1/users/${userId}`],
      ] as const) {
        const res = await raw(method, url, JSON.stringify(payload));
        expectProblem(res, 422, 'VALIDATION_FAILED');
        expect(res.json().errors, `${method} ${url} ${JSON.stringify(payload)}`).toEqual([
          { field, code: 'invalid_text', message: expect.stringContaining('NUL') },
        ]);
      }
    }
    // Well-formed astral characters (surrogate pairs) are fine.
    const emoji = await raw('POST', '/v1/users', JSON.stringify({ email: 'emoji@example.com', name: 'Ana 😀 𝕏' }));
    expect(emoji.statusCode, emoji.body).toBe(201);
    expect(emoji.json().name).toBe('Ana 😀 𝕏');
    // Query and path parameters too.
    const query = await t.call({ method: 'GET', url: '/v1/users?q=%00', headers: tenant.auth });
    expectProblem(query, 400, 'INVALID_PARAMETER');
    expect(problemFields(query)).toEqual(['q']);
    const path = await t.call({ method: 'GET', url: '/v1/users/by-external-id/a%00b', headers: tenant.auth });
    expectProblem(path, 400, 'INVALID_PARAMETER');
    expect(problemFields(path)).toEqual(['externalId']);
  });

  it('refuses bodies nested deeper than 32 levels with 422', async () => {
    const freeform = await createTenant(t, { allowFreeformAttributes: true });
    const deep = `{"email":"deep@example.com","attributes":{"blob":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const res = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: { ...freeform.auth, 'content-type': 'application/json' },
      payload: deep,
    });
    expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(res.json().errors[0]).toMatchObject({ code: 'too_deep' });
    expect(res.json().errors[0].field).toMatch(/^attributes\.blob/);
    const shallow = await t.call({
      method: 'POST',
      url: '/v1/users',
      headers: freeform.auth,
      payload: { email: 'shallow@example.com', attributes: { blob: [[[{ a: [1] }]]] } },
    });
    expect(shallow.statusCode, shallow.body).toBe(201);
    expect(shallow.json().attributes.blob).toEqual([[[{ a: [1] }]]]);
  });

  it('refuses a body that is not an object with 422', async () => {
    for (const body of ['[]', '"text"', '42', 'null', 'true']) {
      const res = await raw('POST', '/v1/users', body);
      expect(res.statusCode, body).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, body).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const arr = await raw('POST', '/v1/users', '[]');
    expectProblem(arr, 422, 'VALIDATION_FAILED');
  });
});

describe('bad input: parameters', () => {
  it('refuses bad query parameters with 400 INVALID_PARAMETER naming the parameter', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=100000', 'limit'],
      ['status=sleeping', 'status'],
      ['createdAfter=yesterday', 'createdAfter'],
      ['cursor=%7B%7D', 'cursor'],
      ['unknownParam=1', 'unknownParam'],
      ['email=not-an-email', 'email'],
    ] as const) {
      const res = await t.call({ method: 'GET', url: `/v1/users?${query}`, headers: tenant.auth });
      expectProblem(res, 400, 'INVALID_PARAMETER');
      expect(problemFields(res), query).toContain(field);
    }
  });

  it('refuses a malformed If-Match with 400 naming the header', async () => {
    const res = await t.call({
      method: 'PATCH',
      url: `/v1/users/${userId}`,
      headers: { ...tenant.auth, 'if-match': 'banana' },
      payload: { name: 'x' },
    });
    expectProblem(res, 400, 'INVALID_PARAMETER');
    expect(problemFields(res)).toEqual(['if-match']);
  });

  it('answers a non-uuid user id with 404 and an over-long one with 400 naming it', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/users/not-a-uuid', headers: tenant.auth }), 404, 'USER_NOT_FOUND');
    const long = await t.call({ method: 'GET', url: `/v1/users/${'a'.repeat(100)}`, headers: tenant.auth });
    expectProblem(long, 400, 'INVALID_PARAMETER');
    expect(problemFields(long)).toEqual(['id']);
  });
});

describe('bad input: routes', () => {
  it('answers unknown routes with a 404 problem', async () => {
    for (const [method, url] of [
      ['GET', '/nope'],
      ['GET', '/v1/nope'],
      ['POST', '/v1/users/extra/segments/here'],
      ['GET', '/v2/users'],
    ] as const) {
      const res = await t.call({ method, url, headers: tenant.auth });
      const problem = expectProblem(res, 404, 'NOT_FOUND');
      expect(problem.detail).toContain(url);
    }
    // Unauthenticated callers get the same 404 for an unknown route.
    expectProblem(await t.call({ method: 'GET', url: '/v1/nope?secret=1' }), 404, 'NOT_FOUND');
  });

  it('answers a known path with an unsupported method as a 405 problem with Allow', async () => {
    const res = await t.call({ method: 'PUT', url: '/v1/users', headers: tenant.auth, payload: {} });
    expect(expectProblem(res, 405, 'METHOD_NOT_ALLOWED').allow).toEqual(['GET', 'HEAD', 'POST']);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
  });

  it('gives every error the problem shape with the response request id', async () => {
    const answers = [
      await t.call({ method: 'GET', url: '/v1/users' }),
      await raw('POST', '/v1/users', '{'),
      await raw('POST', '/v1/users', 'x', 'text/plain'),
      await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: { email: 5 } }),
      await t.call({ method: 'GET', url: '/v1/users?limit=0', headers: tenant.auth }),
      await t.call({ method: 'GET', url: '/v1/nope', headers: tenant.auth }),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      const problem = expectProblem(res, res.statusCode, res.json().code);
      for (const key of ['type', 'title', 'status', 'code', 'detail', 'requestId', 'instance']) expect(problem).toHaveProperty(key);
    }
    expect(new Set(answers.map((r) => r.json().requestId)).size).toBe(answers.length);
  });
});

describe('errors before routing', () => {
  it('answers a malformed percent-encoding in the path with a problem document', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/users/%zz', headers: tenant.auth });
    expectProblem(res, 400, 'INVALID_PARAMETER');
  });
});
