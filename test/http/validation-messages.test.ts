/**
 * Validation errors speak one voice: Roster's codes and words for every validator rule, never the validator's
 * own text, with a hint where one is obvious (an unknown `first_name` → "did you mean `firstName`?").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestField, toFieldErrors } from '../../src/http/validation.ts';
import { adminAuth, createTenant, createTestApp, type TestApp, type TestTenant } from '../helpers/app.ts';
import { expectProblem } from '../helpers/problem.ts';

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

// Ajv's own phrasing, which must never reach a client.
const AJV_WORDS = /must NOT|must have|must be equal|must match format|must be (string|integer|number|boolean|object|array)\b|must be [<>]=/;
const AJV_KEYWORDS = ['type', 'enum', 'const', 'format', 'pattern', 'minimum', 'maximum', 'additionalProperties', 'maxLength', 'minLength'];

async function errorsOf(method: 'POST' | 'PATCH', url: string, payload: unknown, headers = tenant.auth) {
  const res = await t.call({ method, url, headers, payload: payload as Record<string, unknown> });
  return expectProblem(res, 422, 'VALIDATION_FAILED').errors as { field: string; code: string; message: string }[];
}

describe('validation messages on the native API', () => {
  it('an unknown field in another spelling convention suggests the accepted one', async () => {
    expect(await errorsOf('POST', '/v1/users', { email: 'hint@example.com', first_name: 'Ada' })).toEqual([
      { field: 'first_name', code: 'unknown_field', message: 'is not an accepted field; did you mean `firstName`?' },
    ]);
  });

  it('a near-miss typo suggests the field; a far one does not', async () => {
    const [typo] = await errorsOf('POST', '/v1/users', { email: 'typo@example.com', lastNmae: 'King' });
    expect(typo.message).toBe('is not an accepted field; did you mean `lastName`?');
    const [far] = await errorsOf('POST', '/v1/users', { email: 'far@example.com', favouriteColour: 'blue' });
    expect(far).toEqual({ field: 'favouriteColour', code: 'unknown_field', message: 'is not an accepted field' });
  });

  it('lengths, types and enums in Roster’s words and codes', async () => {
    const tooLong = await errorsOf('POST', '/v1/admin/tenants', { slug: 'x-voice', name: 'X', defaultCountry: 'GBR' }, adminAuth());
    expect(tooLong).toEqual([{ field: 'defaultCountry', code: 'too_long', message: 'must be at most 2 characters' }]);
    const quoted = await errorsOf('POST', '/v1/users', { email: 'q@example.com', sessionsLimit: '5' });
    expect(quoted[0]).toMatchObject({ field: 'sessionsLimit', code: 'invalid_type' });
    expect(quoted[0].message).toMatch(/^must be an integer.*; send 5 without quotes$/);
    const bool = await errorsOf('PATCH', `/v1/admin/tenants/${tenant.id}`, { allowFreeformAttributes: 'true' }, adminAuth());
    expect(bool).toEqual([
      { field: 'allowFreeformAttributes', code: 'invalid_type', message: 'must be true or false; send true without quotes' },
    ]);
  });

  it('never lets the validator’s own text or keyword codes through', async () => {
    const bodies: [string, 'POST' | 'PATCH', unknown][] = [
      ['/v1/users', 'POST', { email: 5, phone: [], name: 'x'.repeat(5000), gender: 'robot', sessionsLimit: -1, roles: 'admin' }],
      ['/v1/users', 'POST', { email: 'a@example.com', links: { website: 7 }, consents: [], attributes: 'x' }],
      ['/v1/admin/tenants', 'POST', { slug: '', name: '', hosts: 'h', sessionsLimit: 0, sessionsPolicy: 'x', rateLimit: { max: 'x' } }],
    ];
    for (const [url, method, payload] of bodies) {
      const errors = await errorsOf(method, url, payload, url.startsWith('/v1/admin') ? adminAuth() : tenant.auth);
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) {
        expect(e.message, JSON.stringify(e)).not.toMatch(AJV_WORDS);
        expect(AJV_KEYWORDS, JSON.stringify(e)).not.toContain(e.code);
        expect(e.code, JSON.stringify(e)).toMatch(/^[a-z_]+$/);
      }
    }
  });
});

describe('the words for every validator rule', () => {
  const err = (keyword: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    toFieldErrors([{ keyword, params, instancePath: '/a', schemaPath: `#/${keyword}`, ...extra }])[0];

  it('words each rule and gives it a snake_case code', () => {
    expect(err('minLength', { limit: 1 })).toEqual({ field: 'a', code: 'too_short', message: 'must not be empty' });
    expect(err('minLength', { limit: 3 })).toMatchObject({ message: 'must be at least 3 characters' });
    expect(err('maximum', { limit: 10, comparison: '<=' })).toEqual({ field: 'a', code: 'too_large', message: 'must be at most 10' });
    expect(err('minimum', { limit: 1, comparison: '>=' })).toEqual({ field: 'a', code: 'too_small', message: 'must be at least 1' });
    expect(err('maxItems', { limit: 1 })).toMatchObject({ code: 'too_many_items', message: 'must hold at most 1 item' });
    expect(err('uniqueItems', { i: 2, j: 0 })).toMatchObject({ code: 'duplicate_items' });
    expect(err('format', { format: 'email' })).toEqual({ field: 'a', code: 'invalid_format', message: 'must be an email address' });
    expect(err('format', { format: 'date-time' }).message).toContain('RFC 3339');
    expect(err('const', { allowedValue: 'x' })).toMatchObject({ code: 'invalid_enum', message: 'must be "x"' });
    expect(err('somethingNew', {})).toEqual({ field: 'a', code: 'invalid', message: 'is not valid' });
  });

  it('suggests by spelling convention first, then by a small edit', () => {
    expect(suggestField('first_name', ['firstName', 'lastName'])).toBe('firstName');
    expect(suggestField('FIRSTNAME', ['firstName'])).toBe('firstName');
    expect(suggestField('emial', ['email', 'phone'])).toBe('email');
    expect(suggestField('zz', ['id'])).toBeNull();
    expect(suggestField('shoeSize', ['email', 'phone'])).toBeNull();
  });
});
