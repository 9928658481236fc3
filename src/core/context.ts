/** Who is acting and on whose behalf: every service call carries one. */
export interface ActorContext {
  tenantId: string;
  /** API key id, `admin`, or `cli`. */
  actor: string;
  /** Brand the calling key is bound to, if any. */
  brand: { id: string; slug: string } | null;
  /** Scopes the caller holds; null means all. */
  scopes: readonly string[] | null;
  /** From the X-Source-System header, when sent. */
  source: string | null;
  requestId: string | null;
}

/** A context for platform-level actions (admin API, CLI). */
export function platformContext(tenantId: string, actor: 'admin' | 'cli', requestId: string | null = null): ActorContext {
  return { tenantId, actor, brand: null, scopes: null, source: null, requestId };
}
