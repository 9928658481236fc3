import type { Clock } from '../../core/clock.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import type { ProviderUser } from './connectors/connector.ts';

/** The most answers kept per process; the least recently used go first. */
const MAX_ENTRIES = 10_000;

/**
 * Upstream answers (found or not found, never failures) kept for a provider's cache TTL. Keys carry the provider's
 * updated_at, so a configuration change starts afresh.
 */
export class ProviderAnswerCache {
  // The TTL is the provider's, given on each set().
  private readonly entries: TtlCache<string, { user: ProviderUser | null }>;

  constructor(clock: Clock) {
    this.entries = new TtlCache({ clock, ttlMs: 0, maxEntries: MAX_ENTRIES });
  }

  get(key: string): { user: ProviderUser | null } | undefined {
    return this.entries.get(key);
  }

  set(key: string, user: ProviderUser | null, ttlSeconds: number): void {
    this.entries.set(key, { user }, ttlSeconds * 1000);
  }
}
