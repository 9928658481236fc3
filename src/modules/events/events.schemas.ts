import { Type } from 'typebox';
import { Dictionary } from '../../core/schemas.ts';

const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()]);

/** One event of the feed; `type` is a key of EVENT_TYPES (docs/events.md) and `data` that type's payload. */
export const EventSchema = Type.Object({
  id: Type.String(),
  cursor: Type.String(),
  type: Type.String(),
  tenantId: Type.String(),
  userId: Nullable(Type.String()),
  actor: Nullable(Type.String()),
  source: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  changes: Type.Union([Dictionary(Type.Object({ before: Type.Unknown(), after: Type.Unknown() })), Type.Null()]),
  data: Type.Union([Dictionary(Type.Unknown()), Type.Null()]),
  createdAt: Type.String(),
});
