import { Type } from 'typebox';
import { Dictionary } from '../../core/schemas.ts';

const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const EventTypes = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
  maxItems: 100,
  description: 'Event types and wildcards (`user.*`, `*`); default `["*"]`',
});
const Headers = Dictionary(Type.String({ maxLength: 1024 }), {
  maxProperties: 20,
  description: 'Extra static headers sent with every delivery; their values are stored encrypted and never shown',
});

export const WebhookParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const WebhookCreateSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    headers: Type.Optional(Headers),
  },
  { additionalProperties: false },
);

export const WebhookPatchSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
    headers: Type.Optional(Type.Union([Headers, Type.Null()])),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  headerNames: Type.Array(Type.String(), { description: 'The extra headers set (values are never shown)' }),
  previousSecretValidUntil: NullableTime,
  pending: Type.Integer({ description: 'Deliveries queued or being retried' }),
  failed: Type.Integer({ description: 'Deliveries given up after 3 days of retries' }),
  lastSuccessAt: NullableTime,
  lastFailureAt: NullableTime,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const WebhookWithSecretSchema = Type.Intersect([
  WebhookSchema,
  Type.Object({ secret: Type.String({ description: 'The signing secret (`whsec_…`), shown only now' }) }),
]);

export const RotatedSecretSchema = Type.Object({
  secret: Type.String({ description: 'The new signing secret, shown only now' }),
  previousSecretValidUntil: Type.String({ description: 'Until when the old secret keeps signing too' }),
});

export const DeliverySchema = Type.Object({
  id: Type.String({ description: 'The attempt (cursor position)' }),
  messageId: Type.String(),
  eventId: Type.String(),
  attempt: Type.Integer(),
  attemptedAt: Type.String(),
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  durationMs: Type.Integer(),
  errorKind: Type.Union([Type.String(), Type.Null()]),
  responseExcerpt: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: NullableTime,
});

export const ReplaySchema = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time' })),
    eventIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 1000 })),
    onlyFailed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
