import type { SessionMethod, SessionRow } from './sessions.table.ts';

/** A refresh token: 32 random bytes, base64url (256 bits, opaque to the holder). */
export const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface SessionView {
  id: string;
  userId: string;
  method: SessionMethod;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  refreshedAt: string;
  expiresAt: string;
  idleExpiresAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
}

/** What a sign-in, a passwordless issue or a refresh returns. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** `password` for a sign-in with a password, `passwordless` for a server-issued session. */
  scope: SessionMethod;
  session: SessionView;
}

/** Who is signing in, as the platform saw them (the platform's server is usually the one calling). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** A user addressed by Roster id or by the platform's external id. */
export type UserRef = { id: string } | { externalId: string };

/** Live: not revoked, before both its absolute and its idle end. */
export function isLive(session: SessionRow, now: Date): boolean {
  return session.revoked_at === null && session.expires_at > now && session.idle_expires_at > now;
}

export function toSessionView(row: SessionRow): SessionView {
  return {
    id: row.id,
    userId: row.user_id,
    method: row.method,
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: row.created_at.toISOString(),
    refreshedAt: row.refreshed_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    idleExpiresAt: row.idle_expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    revokedReason: row.revoked_reason,
  };
}
