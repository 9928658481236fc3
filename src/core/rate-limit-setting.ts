/** A request budget: at most `max` requests per `windowSeconds` for each key it applies to. */
export interface RateLimitSetting {
  max: number;
  windowSeconds: number;
}

/** True when two limits are the same (null: no limit of its own). */
export function sameRateLimit(a: RateLimitSetting | null, b: RateLimitSetting | null): boolean {
  return a === b || (a !== null && b !== null && a.max === b.max && a.windowSeconds === b.windowSeconds);
}

/** A limit as stored in a jsonb column: only the two known fields, in a fixed order; null stays NULL. */
export function rateLimitJson(value: RateLimitSetting | null): string | null {
  return value ? JSON.stringify({ max: value.max, windowSeconds: value.windowSeconds }) : null;
}
