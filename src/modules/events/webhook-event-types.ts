import { Type } from 'typebox';
import { type EventTypeEntry, Id, NullableStr, Obj, OTHER, Str, Timestamp } from './event-catalogue-parts.ts';

const EndpointRow = { endpointId: Id, url: Str, eventTypes: Type.Array(Str), enabled: Type.Boolean() };
const endpointExample = {
  endpointId: OTHER,
  url: 'https://hooks.example.com/roster',
  eventTypes: ['user.*'],
  enabled: true,
};

/** Webhook endpoints and their delivery. Part of EVENT_TYPES (event-types.ts). */
export const WEBHOOK_EVENT_TYPES = {
  'webhook.endpoint_created': {
    description: 'A webhook endpoint was added (its signing secret and header values are never in the event).',
    user: 'never',
    changes: null,
    data: Obj(EndpointRow),
    example: { data: endpointExample },
  },
  'webhook.endpoint_updated': {
    description: "A webhook endpoint's URL, event types, description, headers or enabled flag changed.",
    user: 'never',
    changes: null,
    data: Obj(EndpointRow),
    example: { data: endpointExample },
  },
  'webhook.endpoint_deleted': {
    description: 'A webhook endpoint was removed, with its pending deliveries and its delivery log.',
    user: 'never',
    changes: null,
    data: Obj(EndpointRow),
    example: { data: endpointExample },
  },
  'webhook.secret_rotated': {
    description: "A webhook endpoint's signing secret was replaced; the old one keeps signing next to it until `previousValidUntil`.",
    user: 'never',
    changes: null,
    data: Obj({ endpointId: Id, previousValidUntil: Timestamp }),
    example: { data: { endpointId: OTHER, previousValidUntil: '2026-01-02T10:00:00.000Z' } },
  },
  'webhook.endpoint_disabled': {
    description:
      'Roster turned a webhook endpoint off: it answered 410 Gone (`reason: gone`), or every delivery to it failed for 5 days (`reason: failing`).',
    user: 'never',
    changes: null,
    data: Obj({ endpointId: Id, url: Str, reason: Type.Union([Type.Literal('gone'), Type.Literal('failing')]), lastError: NullableStr }),
    example: { data: { endpointId: OTHER, url: 'https://hooks.example.com/roster', reason: 'gone', lastError: 'answered 410' } },
  },
  'webhook.test': {
    description: 'A test event, sent only to the endpoint named in `data.endpointId` (`POST /v1/webhooks/{id}/test`).',
    user: 'never',
    changes: null,
    data: Obj({ endpointId: Id }),
    example: { data: { endpointId: OTHER } },
  },
} as const satisfies Record<string, EventTypeEntry>;
