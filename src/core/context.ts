/** Who is acting and on whose behalf: every service call carries one. */
export interface ActorContext {
  tenantId: string;
  /** API key id, `admin`, `cli`, or `operator:<id>` (console). */
  actor: string;
  /** Brand the calling key is bound to, if any. */
  brand: { id: string; slug: string } | null;
  /** Scopes the caller holds; null means all. */
  scopes: readonly string[] | null;
  /** From the X-Source-System header, when sent. */
  source: string | null;
  requestId: string | null;
}

/** Who performs a platform-level action: the admin API (with its request id), the CLI or a console operator. */
export interface PlatformActor {
  /** `operator:<id>` for a console operator. */
  actor: 'admin' | 'cli' | `operator:${string}`;
  requestId: string | null;
}

export const CLI_ACTOR: PlatformActor = { actor: 'cli', requestId: null };

/** A context for platform-level actions (admin API, CLI). */
export function platformContext(tenantId: string, by: PlatformActor): ActorContext {
  return { tenantId, actor: by.actor, brand: null, scopes: null, source: null, requestId: by.requestId };
}
