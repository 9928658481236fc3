import fc from 'fast-check';

/**
 * Hostile values for the schema-driven fuzz: what attackers and broken clients send where a field is expected.
 * Everything here is JSON-serializable; shapes JSON.stringify cannot say (1e400, -0, duplicate keys,
 * `__proto__`) come as raw text from `rawJsonLiterals` and `rawBodies`.
 */

/** Strings that have broken parsers, validators, normalizers and databases before. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '   ',
      '\t\n',
      '\u0000',
      'a\u0000b',
      '\ud800',
      '\udfff',
      'x\ud83d',
      '\u202e',
      '\ufeff',
      '\u200b',
      'e\u0301',
      '𝕏',
      '🧑‍🤝‍🧑',
      'İ',
      'ß',
      'null',
      'undefined',
      'true',
      'false',
      'NaN',
      'Infinity',
      '-0',
      '0',
      '1',
      '-1',
      '1e308',
      '1e400',
      '9223372036854775808',
      '__proto__',
      'constructor',
      'prototype',
      "'; drop table users; --",
      '" OR 1=1 --',
      '%',
      '%00',
      '%zz',
      '../../etc/passwd',
      '<script>alert(1)</script>',
      '{{7*7}}',
      '$' + '{jndi:ldap://x}',
      '+275760-09-13T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '2026-02-30',
      'P99999999Y',
      'PT-1S',
      '+999999999999999',
      '@',
      'a@b',
      'A@EXAMPLE.COM',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 5_000 }).map((n) => 'é🧑'.repeat(n)) },
);

/** Numbers at the edges of doubles, integers and 64-bit columns. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1,
    0.5,
    1.5,
    -0.000001,
    1e308,
    -1e308,
    5e-324,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 63,
    -(2 ** 63),
    2 ** 64,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, small and hostile at the leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    edgeNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty')), tie('json'), {
      maxKeys: 4,
    }),
  ),
})).json;

/** JSON number literals JSON.stringify never writes: out of range, negative zero, beyond 2^63. */
export const rawJsonLiterals = [
  '1e400',
  '-1e400',
  '-0',
  '-0.0',
  '1E308',
  '4.9e-325',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '18446744073709551616',
  '123456789012345678901234567890',
  '0.1e-999',
  '1.0',
  '"\\u0000"',
  '"\\ud800"',
  '"\\udc00\\ud800"',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
] as const;

/** A nested array or object `depth` levels deep, as text (it cannot be built as a value and stringified safely). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Base64url of a JSON text, the cursor format Roster's lists hand out. */
function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Cursors a client forges: right encoding, wrong content; or not base64url at all. */
export function forgedCursor(realIds: string[]): fc.Arbitrary<string> {
  const uuid = fc.oneof(fc.uuid(), fc.constantFrom(...realIds));
  const date = fc.oneof(
    fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom(
      '+275760-09-13T00:00:00.000Z',
      '-271821-04-20T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      'not a date',
      '2026-02-30T00:00:00Z',
      '',
    ),
  );
  const part = fc.oneof(date, uuid, edgeNumber, hostileString, fc.constant(null), fc.boolean());
  return fc.oneof(
    fc.tuple(date, uuid).map((v) => b64(JSON.stringify(v))),
    fc.tuple(date, hostileString).map((v) => b64(JSON.stringify(v))),
    fc.array(part, { maxLength: 4 }).map((v) => b64(JSON.stringify(v))),
    fc
      .constantFrom('[1.5]', '[9223372036854775807]', '[1e20]', '[1e400]', '[-0]', '[]', '{}', 'null', '"x"', '[[[]]]', '[0,0,0,0,0]')
      .map(b64),
    fc.constantFrom(...rawJsonLiterals).map((l) => b64(`[${l}]`)),
    fc.constantFrom('!!!', '====', 'a', '%00', '....', '____', '-'.repeat(600)),
    hostileString,
  );
}
