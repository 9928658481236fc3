import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { TtlCache } from '../../src/core/ttl-cache.ts';

const start = new Date('2026-01-01T00:00:00Z');

describe('TtlCache', () => {
  it('serves a value until its TTL has passed by the injected clock, then forgets it', () => {
    const clock = fixedClock(start);
    const cache = new TtlCache<string, number>({ clock, ttlMs: 5_000, maxEntries: 10 });
    cache.set('a', 1);
    clock.advance(4_999);
    expect(cache.get('a')).toBe(1);
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('takes a per-entry TTL, and stores nothing for a TTL of 0 or less', () => {
    const clock = fixedClock(start);
    const cache = new TtlCache<string, string>({ clock, ttlMs: 0, maxEntries: 10 });
    cache.set('default', 'x');
    cache.set('negative', 'x', -1);
    expect(cache.has('default')).toBe(false);
    expect(cache.has('negative')).toBe(false);
    cache.set('long', 'y', 60_000);
    clock.advance(59_999);
    expect(cache.get('long')).toBe('y');
    clock.advance(1);
    expect(cache.get('long')).toBeUndefined();
  });

  it('keeps at most maxEntries, evicting the least recently used', () => {
    const clock = fixedClock(start);
    const cache = new TtlCache<string, number>({ clock, ttlMs: 60_000, maxEntries: 3 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
    expect(cache.get('k99')).toBe(99);
  });

  it('renews the TTL and the recency of a key set again', () => {
    const clock = fixedClock(start);
    const cache = new TtlCache<string, number>({ clock, ttlMs: 1_000, maxEntries: 2 });
    cache.set('a', 1);
    clock.advance(900);
    cache.set('a', 2);
    clock.advance(900);
    expect(cache.get('a')).toBe(2);
    cache.set('b', 3);
    cache.set('a', 4);
    cache.set('c', 5);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(4);
  });

  it('forgets one key or all of them on demand', () => {
    const clock = fixedClock(start);
    const cache = new TtlCache<string, number>({ clock, ttlMs: 1_000, maxEntries: 5 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('refuses a bound below one entry', () => {
    expect(() => new TtlCache({ clock: fixedClock(start), ttlMs: 1, maxEntries: 0 })).toThrow(RangeError);
  });
});
