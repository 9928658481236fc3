import { readFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { AppError, ERRORS, type ErrorCode } from '../../src/core/errors.ts';
import { type DialectErrors, type EnvelopeRequest, errorHeaders } from '../../src/dialects/envelope.ts';
import { NAVIGA_ERRORS } from '../../src/dialects/naviga/naviga.errors.ts';
import { NavigaErrorSchema } from '../../src/dialects/naviga/naviga.schemas.ts';
import { PUBLICALA_ERRORS } from '../../src/dialects/publicala/publicala.errors.ts';
import { PublicaLaErrorSchema } from '../../src/dialects/publicala/publicala.schemas.ts';
import { TAGMANGO_ERRORS } from '../../src/dialects/tagmango/tagmango.errors.ts';
import { TagMangoErrorSchema } from '../../src/dialects/tagmango/tagmango.schemas.ts';
import { THANX_ERRORS } from '../../src/dialects/thanx/thanx.errors.ts';
import { ThanxErrorSchema } from '../../src/dialects/thanx/thanx.schemas.ts';
import { USERCOM_ERRORS } from '../../src/dialects/usercom/usercom.errors.ts';
import { UserComErrorSchema } from '../../src/dialects/usercom/usercom.schemas.ts';

/** Every dialect with the schema its error bodies are published with (the OpenAPI document's error responses). */
const DIALECTS: { dialect: DialectErrors; schema: TSchema; column: string }[] = [
  { dialect: TAGMANGO_ERRORS, schema: TagMangoErrorSchema, column: 'TagMango' },
  { dialect: THANX_ERRORS, schema: ThanxErrorSchema, column: 'Thanx' },
  { dialect: PUBLICALA_ERRORS, schema: PublicaLaErrorSchema, column: 'Publica.la' },
  { dialect: USERCOM_ERRORS, schema: UserComErrorSchema, column: 'User.com' },
  { dialect: NAVIGA_ERRORS, schema: NavigaErrorSchema, column: 'Naviga' },
];

const CODES = Object.keys(ERRORS) as ErrorCode[];
const request: EnvelopeRequest = { id: 'req-1', method: 'POST', url: '/some/path?x=1' };
const CAUSE = 'a cause that must stay in the log';

/** The error a service throws for a code: without field errors, then naming a field. */
function errorsFor(code: ErrorCode): { plain: AppError; withField: AppError } {
  const message = ERRORS[code].status >= 500 ? CAUSE : `${code} happened`;
  return {
    plain: new AppError(code, message),
    withField: new AppError(code, message, {}, [{ field: 'email', code: 'invalid', message: 'is not an email address' }]),
  };
}

/** docs/errors.md's "In each dialect" table: code → column → "status" or "status, status with fields". */
function documentedStatuses(): Map<string, Map<string, { plain: number; withField: number }>> {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const start = doc.indexOf('## In each dialect');
  expect(start, 'docs/errors.md has a "## In each dialect" section').toBeGreaterThan(0);
  const end = doc.indexOf('\n## ', start + 1);
  const lines = doc.slice(start, end === -1 ? undefined : end).split('\n');
  const header = lines.find((line) => line.startsWith('| Code'));
  const columns = (header ?? '')
    .split('|')
    .map((c) => c.trim())
    .slice(2, -1);
  const rows = new Map<string, Map<string, { plain: number; withField: number }>>();
  for (const line of lines) {
    const cells = line.split('|').map((c) => c.trim());
    const code = /^`([A-Z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!code) continue;
    const row = new Map<string, { plain: number; withField: number }>();
    columns.forEach((column, i) => {
      const numbers = (cells[i + 2] ?? '').match(/\d{3}/g)?.map(Number) ?? [];
      row.set(column, { plain: numbers[0] ?? 0, withField: numbers[1] ?? numbers[0] ?? 0 });
    });
    rows.set(code, row);
  }
  return rows;
}

describe('every catalogue code through every dialect', () => {
  it('maps each code to a status docs/errors.md documents for that dialect', () => {
    const documented = documentedStatuses();
    expect([...documented.keys()].sort(), 'the table lists exactly the catalogue codes').toEqual([...CODES].sort());
    for (const code of CODES) {
      const { plain, withField } = errorsFor(code);
      const row = documented.get(code);
      expect(row?.get('Native'), code).toEqual({ plain: ERRORS[code].status, withField: ERRORS[code].status });
      for (const { dialect, column } of DIALECTS) {
        const actual = { plain: dialect.map(plain, request).status, withField: dialect.map(withField, request).status };
        expect(actual, `${code} in ${column}`).toEqual(row?.get(column));
      }
    }
  });

  it('answers 500 only for INTERNAL', () => {
    for (const code of CODES) {
      for (const error of Object.values(errorsFor(code))) {
        for (const { dialect } of DIALECTS) {
          const { status } = dialect.map(error, request);
          expect(status, `${code} in ${dialect.name}`).toBeGreaterThanOrEqual(400);
          if (code === 'INTERNAL') expect(status, dialect.name).toBe(500);
          else expect(status, `${code} in ${dialect.name}`).not.toBe(500);
        }
      }
    }
  });

  it("sends a body of the dialect's published error schema, never the cause of a 5xx", () => {
    for (const code of CODES) {
      for (const error of Object.values(errorsFor(code))) {
        for (const { dialect, schema } of DIALECTS) {
          const { status, body } = dialect.map(error, request);
          expect([...Value.Errors(schema, body)], `${code} in ${dialect.name}: ${JSON.stringify(body)}`).toEqual([]);
          if (status >= 500) expect(JSON.stringify(body), `${code} in ${dialect.name}`).not.toContain(CAUSE);
        }
      }
    }
  });

  it('passes Retry-After through every envelope for any code that carries it', () => {
    for (const code of CODES) {
      const error = new AppError(code, 'retry later', { retryAfterSeconds: 2.2 });
      for (const { dialect } of DIALECTS) {
        const { status } = dialect.map(error, request);
        expect(errorHeaders(error, status, dialect.challenge)['retry-after'], `${code} in ${dialect.name}`).toBe('3');
      }
      expect(errorHeaders(new AppError(code), 503, null)['retry-after'], code).toBeUndefined();
    }
  });

  it("names each dialect's authentication scheme on its 401s", () => {
    const schemes: Record<string, string | undefined> = {};
    for (const { dialect } of DIALECTS) {
      const error = new AppError('API_KEY_INVALID');
      schemes[dialect.name] = errorHeaders(error, dialect.map(error, request).status, dialect.challenge)['www-authenticate'];
    }
    expect(schemes).toEqual({ tagmango: 'Bearer', thanx: 'Bearer', publicala: undefined, usercom: 'Token', naviga: 'Bearer' });
  });
});
