import type { Clock } from '../../core/clock.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import { type BreakerSettings, CircuitBreaker, DEFAULT_BREAKER } from './circuit-breaker.ts';
import { type Connector, ProviderError, type ProviderUser } from './connectors/connector.ts';
import { createConnector } from './connectors/index.ts';
import type { OutboundPolicy } from './connectors/outbound-http.ts';
import { ProviderAnswerCache } from './provider-cache.ts';
import type { ProviderRow } from './providers.table.ts';
import { type ProviderCredentials, sealingContext } from './providers.ts';

export type FetchOutcome = { ok: true; user: ProviderUser | null; cached: boolean } | { ok: false; error: ProviderError };

/** How to find the user upstream: by the linked subject when the provider can, else by email. */
export interface FetchKey {
  email: string;
  subject: string | null;
}

export interface ProviderFetcher {
  /** Asks the provider, through its cache and circuit breaker, within its timeout. Never throws. */
  fetchUser(row: ProviderRow, key: FetchKey): Promise<FetchOutcome>;
}

/**
 * Connectors (one per provider configuration, so Auth0 tokens are reused), circuit breakers (one per provider,
 * kept across configuration changes) and the answer cache, all per process.
 */
export function createProviderFetcher(deps: {
  clock: Clock;
  box: SecretBox | null;
  policy: OutboundPolicy;
  breaker?: BreakerSettings;
}): ProviderFetcher {
  const connectors = new Map<string, { version: number; connector: Connector }>();
  const breakers = new Map<string, CircuitBreaker>();
  const cache = new ProviderAnswerCache(deps.clock);

  function connectorFor(row: ProviderRow): Connector {
    const version = row.updated_at.getTime();
    const known = connectors.get(row.id);
    if (known && known.version === version) return known.connector;
    let credentials: ProviderCredentials;
    try {
      if (!deps.box) throw new Error('no key');
      credentials = JSON.parse(deps.box.open(row.credentials, sealingContext(row.tenant_id, row.id)));
    } catch {
      throw new ProviderError(
        'credentials_unreadable',
        'The provider credentials cannot be decrypted: ROSTER_SECRET_KEY is not the key they were stored with',
      );
    }
    const connector = createConnector({ type: row.type, endpoint: row.endpoint, settings: row.settings, credentials }, deps);
    connectors.set(row.id, { version, connector });
    return connector;
  }

  function breakerFor(id: string): CircuitBreaker {
    let breaker = breakers.get(id);
    if (!breaker) {
      breaker = new CircuitBreaker(deps.clock, deps.breaker ?? DEFAULT_BREAKER);
      breakers.set(id, breaker);
    }
    return breaker;
  }

  return {
    async fetchUser(row, key) {
      let connector: Connector;
      try {
        connector = connectorFor(row);
      } catch (error) {
        return { ok: false, error: error as ProviderError };
      }
      const bySubject = key.subject !== null && connector.canFindById;
      const cacheKey = `${row.id}:${row.updated_at.getTime()}:${bySubject ? `id:${key.subject}` : `email:${key.email}`}`;
      const hit = cache.get(cacheKey);
      if (hit) return { ok: true, user: hit.user, cached: true };

      const breaker = breakerFor(row.id);
      if (!breaker.tryAcquire()) {
        return { ok: false, error: new ProviderError('circuit_open', 'The provider failed repeatedly; calls are paused') };
      }
      try {
        const signal = AbortSignal.timeout(row.timeout_ms);
        const user =
          bySubject && key.subject !== null
            ? await connector.findUserById(key.subject, signal)
            : await connector.findUserByEmail(key.email, signal);
        breaker.onSuccess();
        cache.set(cacheKey, user, row.cache_ttl_seconds);
        return { ok: true, user, cached: false };
      } catch (error) {
        const failure =
          error instanceof ProviderError ? error : new ProviderError('malformed_response', 'The provider answer could not be read');
        if (failure.reason === 'rate_limited' && failure.retryAt !== null) breaker.holdOff(failure.retryAt);
        else breaker.onFailure();
        return { ok: false, error: failure };
      }
    },
  };
}
