import type { Clock } from '../../core/clock.ts';

export interface BreakerSettings {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one trial through. */
  openMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failureThreshold: 5, openMs: 30_000 };

export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * A per-provider circuit breaker: after `failureThreshold` consecutive failures it refuses calls for `openMs`,
 * then lets exactly one trial call through (half-open); its success closes the circuit, its failure opens it again.
 * Process-local: each API process learns about an outage by itself, which costs at most a few slow calls.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;

  constructor(
    private readonly clock: Clock,
    private readonly settings: BreakerSettings = DEFAULT_BREAKER,
  ) {}

  get state(): BreakerState {
    if (this.openUntil === 0) return 'closed';
    return this.clock.now().getTime() < this.openUntil ? 'open' : 'half_open';
  }

  /** True when a call may go out now. In half-open state only the first caller gets true, until it reports back. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openUntil = 0;
    this.trialInFlight = false;
  }

  onFailure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.openUntil !== 0 || this.failures >= this.settings.failureThreshold) {
      this.openUntil = this.clock.now().getTime() + this.settings.openMs;
    }
  }

  /** Refuses calls until `until` (ms since the epoch), as a rate-limited upstream asks; capped at the open time. */
  holdOff(until: number): void {
    this.trialInFlight = false;
    const now = this.clock.now().getTime();
    const capped = Math.min(until, now + this.settings.openMs);
    if (capped > now) this.openUntil = Math.max(this.openUntil, capped);
  }
}
