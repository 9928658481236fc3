import type { OperatorRole, OperatorRow } from './operators.table.ts';

/** Idle deadline of a console session: 12 hours without a request. */
export const SESSION_IDLE_MS = 12 * 3600_000;
/** Absolute deadline of a console session: 7 days after sign-in. */
export const SESSION_ABSOLUTE_MS = 7 * 86_400_000;
/** last_seen_at is written at most this often per session: a busy console does not write on every request. */
export const TOUCH_EVERY_MS = 60_000;
/**
 * The sign-in throttle counts per (tenant, identifier); operators belong to no tenant, so their counters sit under
 * the nil id, which no tenant ever has (ids are UUIDv7).
 */
export const PLATFORM_THROTTLE_TENANT = '00000000-0000-0000-0000-000000000000';

/** An operator as the console and the CLI show it (never the hash). */
export interface OperatorView {
  id: string;
  email: string;
  name: string;
  role: OperatorRole;
  tenantIds: string[];
  createdAt: string;
}

/** Who a console session acts as: a named operator, or whoever holds the platform admin token. */
export interface ConsolePrincipal {
  sessionId: string;
  /** null: signed in with the admin token (acts as `admin`, sees every tenant). */
  operator: OperatorView | null;
  csrfToken: string;
}

export function toOperatorView(row: OperatorRow): OperatorView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    tenantIds: row.tenant_ids,
    createdAt: row.created_at.toISOString(),
  };
}

/** Whether a principal may see a tenant: platform operators and the admin token see all, tenant operators their list. */
export function canSeeTenant(principal: Pick<ConsolePrincipal, 'operator'>, tenantId: string): boolean {
  const operator = principal.operator;
  return operator === null || operator.role === 'platform' || operator.tenantIds.includes(tenantId);
}

/** Whether a principal may act on the platform itself (create tenants, manage operators). */
export function isPlatformPrincipal(principal: Pick<ConsolePrincipal, 'operator'>): boolean {
  return principal.operator === null || principal.operator.role === 'platform';
}

/** The event actor of a principal: `operator:<id>`, or `admin` for the admin token. */
export function actorOf(principal: Pick<ConsolePrincipal, 'operator'>): 'admin' | `operator:${string}` {
  return principal.operator ? `operator:${principal.operator.id}` : 'admin';
}
