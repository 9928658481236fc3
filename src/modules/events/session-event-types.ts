import { Type } from 'typebox';
import { type EventTypeEntry, Id, Obj, OTHER, SessionRevokedReason, Str } from './event-catalogue-parts.ts';

/** Sessions and sign-in. Part of EVENT_TYPES (event-types.ts). */
export const SESSION_EVENT_TYPES = {
  'session.created': {
    description: 'A user signed in: a session and its refresh-token family were opened.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id, method: Type.Union([Type.Literal('password'), Type.Literal('passwordless')]) }),
    example: { data: { sessionId: OTHER, method: 'password' } },
  },
  'session.refreshed': {
    description: 'A refresh token was used and rotated.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id }),
    example: { data: { sessionId: OTHER } },
  },
  'session.revoked': {
    description: 'One session ended: logout, evicted by `sessions_limit`, or revoked because its refresh token was replayed.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id, reason: SessionRevokedReason }),
    example: { data: { sessionId: OTHER, reason: 'evicted' } },
  },
  'session.reuse_detected': {
    description: 'A refresh token that had already been rotated was presented again; its family is revoked.',
    user: 'always',
    changes: null,
    data: Obj({ sessionId: Id }),
    example: { data: { sessionId: OTHER } },
  },
  'signin.failed': {
    description: 'A password sign-in failed. `identifier` says which kind was given, never its value.',
    user: 'sometimes',
    changes: null,
    data: Obj({
      identifier: Type.Union([Type.Literal('email'), Type.Literal('phone'), Type.Literal('externalId'), Type.Literal('username')]),
      reason: Type.Union([
        Type.Literal('unknown_user'),
        Type.Literal('no_password'),
        Type.Literal('wrong_password'),
        Type.Literal('deactivated'),
      ]),
    }),
    example: { data: { identifier: 'email', reason: 'wrong_password' } },
  },
  'signin.unlocked': {
    description: 'An operator cleared the sign-in throttle of a user or of an IP address.',
    user: 'sometimes',
    changes: null,
    data: Obj({ cleared: Type.Integer(), ip: Type.Optional(Str) }),
    example: { data: { cleared: 3 } },
  },
} as const satisfies Record<string, EventTypeEntry>;
