import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { isJsonPointer, resolvePointer } from '../../../src/core/json-pointer.ts';
import { createSecretBox, parseSecretKey } from '../../../src/core/secret-box.ts';
import { CircuitBreaker } from '../../../src/modules/providers/circuit-breaker.ts';
import { isNonPublicAddress } from '../../../src/modules/providers/connectors/address-guard.ts';
import type { ProviderUser } from '../../../src/modules/providers/connectors/connector.ts';
import { DEFAULT_FIELD_MAPPING, type LocalFields, mergeUser } from '../../../src/modules/providers/providers.ts';

const local: LocalFields & { id: string } = {
  id: 'u1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: null,
  name: 'Ada L',
  phone: '+447700900001',
  picture: null,
  status: 'active',
};
const remote: ProviderUser = {
  subject: 'auth0|1',
  email: 'ada@example.com',
  emailVerified: true,
  firstName: 'Augusta Ada',
  lastName: 'King',
  name: null,
  phone: '+447700900999',
  picture: null,
  status: 'deactivated',
  metadata: { userMetadata: { a: 1 } },
};

describe('mergeUser: per-field source of truth', () => {
  it('the provider wins by default; the local value fills its gaps', () => {
    const { merged, sources } = mergeUser(local, remote, DEFAULT_FIELD_MAPPING);
    expect(merged).toMatchObject({
      id: 'u1',
      firstName: 'Augusta Ada',
      lastName: 'King',
      name: 'Ada L',
      phone: '+447700900999',
      status: 'deactivated',
    });
    expect(sources).toEqual({
      email: 'provider',
      firstName: 'provider',
      lastName: 'provider',
      name: 'local',
      phone: 'provider',
      status: 'provider',
    });
    expect(merged.emailVerified).toBe(true);
    expect(merged.metadata).toEqual({ userMetadata: { a: 1 } });
  });

  it('a field whose truth is local keeps the local value, and takes the provider one when local has none', () => {
    const { merged, sources } = mergeUser(local, remote, { ...DEFAULT_FIELD_MAPPING, phone: 'local', lastName: 'local', status: 'local' });
    expect(merged).toMatchObject({ phone: '+447700900001', lastName: 'King', status: 'active' });
    expect(sources).toMatchObject({ phone: 'local', lastName: 'provider', status: 'local' });
  });

  it('a field nobody has is null and has no source; one side alone supplies everything', () => {
    expect(mergeUser(local, remote, DEFAULT_FIELD_MAPPING).sources.picture).toBeUndefined();
    expect(mergeUser(null, remote, DEFAULT_FIELD_MAPPING).merged.id).toBeNull();
    expect(Object.values(mergeUser(null, remote, DEFAULT_FIELD_MAPPING).sources)).not.toContain('local');
    expect(Object.values(mergeUser(local, null, DEFAULT_FIELD_MAPPING).sources)).not.toContain('provider');
  });

  it('property: each merged value equals the value of the side its source names', () => {
    const text = fc.option(fc.string({ minLength: 1, maxLength: 5 }), { nil: null });
    const side = fc.record({ email: text, firstName: text, lastName: text, name: text, phone: text, picture: text });
    fc.assert(
      fc.property(side, side, fc.constantFrom('provider', 'local'), (l, r, truth) => {
        const mapping = Object.fromEntries(Object.keys(DEFAULT_FIELD_MAPPING).map((k) => [k, truth])) as typeof DEFAULT_FIELD_MAPPING;
        const { merged, sources } = mergeUser({ id: 'x', ...l, status: 'active' }, { ...remote, ...r }, mapping);
        for (const field of ['email', 'firstName', 'lastName', 'name', 'phone', 'picture'] as const) {
          const source = sources[field];
          const expected = source === 'local' ? l[field] : source === 'provider' ? r[field] : null;
          expect(merged[field]).toBe(expected);
          if (l[field] !== null && r[field] !== null) expect(source).toBe(truth);
        }
      }),
    );
  });
});

describe('CircuitBreaker', () => {
  it('opens after 5 consecutive failures, refuses for 30 s, then lets exactly one trial through', () => {
    const clock = fixedClock(new Date('2030-01-01T00:00:00Z'));
    const breaker = new CircuitBreaker(clock);
    for (let i = 0; i < 4; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.onFailure();
    }
    expect(breaker.state).toBe('closed');
    breaker.onSuccess(); // a success resets the count
    for (let i = 0; i < 5; i++) breaker.onFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(29_999);
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // one trial at a time
    breaker.onFailure(); // the trial failed: open again
    expect(breaker.state).toBe('open');
    clock.advance(30_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('holds off until a rate limit resets, at most the open time', () => {
    const clock = fixedClock(new Date('2030-01-01T00:00:00Z'));
    const breaker = new CircuitBreaker(clock);
    breaker.holdOff(clock.now().getTime() + 5000);
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(5000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onSuccess();
    breaker.holdOff(clock.now().getTime() + 3_600_000);
    clock.advance(30_000);
    expect(breaker.state).toBe('half_open');
  });
});

describe('secret box (AES-256-GCM)', () => {
  it('round-trips, binds the context, and rejects tampering and other keys', () => {
    const box = createSecretBox(parseSecretKey(Buffer.alloc(32, 7).toString('base64')));
    const sealed = box.seal('{"clientSecret":"s3cr3t"}', 'ctx-a');
    expect(sealed).not.toContain('s3cr3t');
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c')); // a fresh IV each time
    expect(box.open(sealed, 'ctx-a')).toBe('{"clientSecret":"s3cr3t"}');
    expect(() => box.open(sealed, 'ctx-b')).toThrow();
    const other = createSecretBox(parseSecretKey('ab'.repeat(32)));
    expect(() => other.open(sealed, 'ctx-a')).toThrow();
    // Flip one character inside the ciphertext (the last one may only carry padding bits).
    const at = sealed.length - 6;
    const tampered = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    expect(() => box.open(tampered, 'ctx-a')).toThrow();
  });

  it('accepts 32 bytes as base64 or hex, or a passphrase of at least 32 characters; nothing shorter', () => {
    expect(parseSecretKey('00'.repeat(32))).toHaveLength(32);
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('base64url'))).toHaveLength(32);
    const phrase = 'correct horse battery staple and more words';
    expect(parseSecretKey(phrase).equals(parseSecretKey(phrase))).toBe(true);
    expect(() => parseSecretKey('too short')).toThrow(/ROSTER_SECRET_KEY/);
  });
});

describe('JSON Pointer (RFC 6901)', () => {
  const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'm~n': 8, deep: { x: null } };
  it('resolves the RFC examples', () => {
    expect(resolvePointer(doc, '')).toBe(doc);
    expect(resolvePointer(doc, '/foo/0')).toBe('bar');
    expect(resolvePointer(doc, '/')).toBe(0);
    expect(resolvePointer(doc, '/a~1b')).toBe(1);
    expect(resolvePointer(doc, '/m~0n')).toBe(8);
    expect(resolvePointer(doc, '/deep/x')).toBeNull();
    expect(resolvePointer(doc, '/foo/01')).toBeUndefined();
    expect(resolvePointer(doc, '/nope/x')).toBeUndefined();
    expect(resolvePointer(doc, '/constructor')).toBeUndefined();
    expect(isJsonPointer('foo')).toBe(false);
    expect(isJsonPointer('/a~2')).toBe(false);
  });
});

describe('address guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.2.3.4', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['100.64.0.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd12:3456::1', true],
    ['::ffff:127.0.0.1', true],
    ['0:0:0:0:0:ffff:a00:1', true],
    ['93.184.216.34', false],
    ['2606:4700:4700::1111', false],
    ['::ffff:93.184.216.34', false],
  ])('%s non-public: %s', (address, expected) => {
    expect(isNonPublicAddress(address)).toBe(expected);
  });
});
