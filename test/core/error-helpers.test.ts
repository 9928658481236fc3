import { describe, expect, it } from 'vitest';
import { invalidParameter, notFound, taken, validationFailed } from '../../src/core/error-helpers.ts';
import { AppError } from '../../src/core/errors.ts';
import { translateUniqueViolation } from '../../src/db/errors.ts';

describe('core error helpers', () => {
  it('validationFailed lists every field and joins them in the message', () => {
    const error = validationFailed([
      { field: 'email', code: 'invalid_email', message: 'must be an email address' },
      { field: 'phone', code: 'required', message: 'is required' },
    ]);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.status).toBe(422);
    expect(error.message).toBe('email: must be an email address; phone: is required');
    expect(error.fieldErrors.map((f) => f.field)).toEqual(['email', 'phone']);
    expect(validationFailed([{ field: 'limit', code: 'invalid', message: 'too big' }], 'INVALID_PARAMETER').status).toBe(400);
  });

  it('invalidParameter names one parameter with a 400', () => {
    const error = invalidParameter('cursor', 'is not a valid cursor', 'invalid_cursor');
    expect([error.code, error.status, error.message]).toEqual(['INVALID_PARAMETER', 400, 'cursor: is not a valid cursor']);
    expect(error.fieldErrors).toEqual([{ field: 'cursor', code: 'invalid_cursor', message: 'is not a valid cursor' }]);
  });

  it('notFound carries the reference, the catalogue title by default, and a field error when asked', () => {
    const plain = notFound('USER_NOT_FOUND', { id: 'x' });
    expect([plain.code, plain.status, plain.message, plain.details, plain.fieldErrors]).toEqual([
      'USER_NOT_FOUND',
      404,
      'User not found',
      { id: 'x' },
      [],
    ]);
    const named = notFound('PLAN_NOT_FOUND', { plan: 7 }, { message: 'Plan 7 not found', field: 'plan_id', fieldMessage: 'no plan 7' });
    expect(named.message).toBe('Plan 7 not found');
    expect(named.fieldErrors).toEqual([{ field: 'plan_id', code: 'not_found', message: 'no plan 7' }]);
  });

  it('taken names the field in details and as a field error', () => {
    const error = taken('COMPANY_EXTERNAL_ID_TAKEN', 'externalId', 'belongs to another company', { existingId: 'c1' });
    expect([error.code, error.status, error.message]).toEqual(['COMPANY_EXTERNAL_ID_TAKEN', 409, 'externalId belongs to another company']);
    expect(error.details).toEqual({ field: 'externalId', existingId: 'c1' });
    expect(error.fieldErrors).toEqual([{ field: 'externalId', code: 'taken', message: 'belongs to another company' }]);
  });

  it('AppError.retryAfterSeconds reads a finite details.retryAfterSeconds only', () => {
    expect(new AppError('RATE_LIMITED', 'x', { retryAfterSeconds: 3 }).retryAfterSeconds).toBe(3);
    expect(new AppError('RATE_LIMITED', 'x', { retryAfterSeconds: '3' }).retryAfterSeconds).toBeNull();
    expect(new AppError('RATE_LIMITED', 'x', { retryAfterSeconds: Number.NaN }).retryAfterSeconds).toBeNull();
    expect(new AppError('UNAVAILABLE').retryAfterSeconds).toBeNull();
  });
});

describe('translateUniqueViolation', () => {
  const rules = { brands_tenant_slug_key: () => taken('BRAND_SLUG_TAKEN', 'slug', 'is taken by another brand') };

  it('maps a violation of a known constraint, as pg and PGlite report it, to its catalogue code', () => {
    const fromPg = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'brands_tenant_slug_key' });
    const fromPglite = Object.assign(new Error('duplicate key value violates unique constraint "brands_tenant_slug_key"'), {
      code: '23505',
    });
    for (const error of [fromPg, fromPglite]) {
      const mapped = translateUniqueViolation(error, rules);
      expect(mapped).toBeInstanceOf(AppError);
      expect((mapped as AppError).code).toBe('BRAND_SLUG_TAKEN');
    }
  });

  it('leaves other constraints and other errors as they were', () => {
    const other = Object.assign(new Error('dup'), { code: '23505', constraint: 'users_tenant_email_key' });
    const notUnique = Object.assign(new Error('fk'), { code: '23503', constraint: 'brands_tenant_slug_key' });
    expect(translateUniqueViolation(other, rules)).toBe(other);
    expect(translateUniqueViolation(notUnique, rules)).toBe(notUnique);
    expect(translateUniqueViolation('text', rules)).toBe('text');
  });
});
