import type { Clock } from './clock.ts';

export interface TtlCacheOptions {
  /** The injected clock: entries expire by it, so tests move time instead of sleeping. */
  clock: Clock;
  /** How long an entry lives unless set() says otherwise; 0 or less stores nothing. */
  ttlMs: number;
  /** The most entries kept; the least recently used goes first when a new one needs room. */
  maxEntries: number;
}

/**
 * A process-local cache whose entries expire after a time-to-live and whose size is bounded (least recently used
 * evicted first). Every per-process cache of Roster (API keys, tenants, roles, attribute definitions, provider
 * answers) is one of these, so none can grow without bound or ignore the injected clock.
 */
export class TtlCache<K, V> {
  // A Map iterates in insertion order; a hit is re-inserted, so the first key is always the least recently used.
  private readonly entries = new Map<K, { value: V; expires: number }>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: TtlCacheOptions) {
    if (!(options.maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
    this.clock = options.clock;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
  }

  /** The live value for a key, or undefined (an expired entry is dropped). */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** True when the key holds a live value. */
  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Stores a value for `ttlMs` (the cache's default unless given); a TTL of 0 or less stores nothing. */
  set(key: K, value: V, ttlMs: number = this.ttlMs): void {
    if (!(ttlMs > 0)) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: this.clock.now().getTime() + ttlMs });
  }

  /** Forgets one key (after a change this process made). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }
}
