import type { Clock } from '../../core/clock.ts';
import type { ProviderUser } from './connectors/connector.ts';

/** The most answers kept per process; the oldest go first. */
const MAX_ENTRIES = 10_000;

/**
 * Upstream answers (found or not found, never failures) kept for a provider's cache TTL. Keys carry the provider's
 * updated_at, so a configuration change starts afresh.
 */
export class ProviderAnswerCache {
  private readonly entries = new Map<string, { user: ProviderUser | null; expires: number }>();

  constructor(private readonly clock: Clock) {}

  get(key: string): { user: ProviderUser | null } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.clock.now().getTime()) {
      this.entries.delete(key);
      return undefined;
    }
    return { user: entry.user };
  }

  set(key: string, user: ProviderUser | null, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { user, expires: this.clock.now().getTime() + ttlSeconds * 1000 });
  }
}
