import type { Static, TSchema } from 'typebox';
import { DIRECTORY_EVENT_TYPES } from './directory-event-types.ts';
import type { Changes, EventTypeEntry } from './event-catalogue-parts.ts';
import { GROUP_EVENT_TYPES } from './group-event-types.ts';
import { IMPORT_EVENT_TYPES } from './import-event-types.ts';
import { PROVIDER_EVENT_TYPES } from './provider-event-types.ts';
import { SESSION_EVENT_TYPES } from './session-event-types.ts';
import { TENANT_EVENT_TYPES } from './tenant-event-types.ts';
import { USER_EVENT_TYPES } from './user-event-types.ts';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.ts';

export type { Changes, EventTypeEntry } from './event-catalogue-parts.ts';
export { NAVIGA_EVENT_CODES } from './event-catalogue-parts.ts';

/**
 * The event catalogue: every event type Roster writes, what it means and the shape of its `data`. It is a public
 * contract (webhook receivers and feed readers branch on `type` and read `data`), documented in docs/events.md and
 * kept in step with it by a test: add types and optional fields freely; never rename, remove or retype one.
 *
 * Each domain keeps its types in its own `*-event-types.ts` file; a new domain adds its file and one spread here.
 */
export const EVENT_TYPES = {
  ...USER_EVENT_TYPES,
  ...SESSION_EVENT_TYPES,
  ...DIRECTORY_EVENT_TYPES,
  ...TENANT_EVENT_TYPES,
  ...PROVIDER_EVENT_TYPES,
  ...WEBHOOK_EVENT_TYPES,
  ...GROUP_EVENT_TYPES,
  ...IMPORT_EVENT_TYPES,
} as const satisfies Record<string, EventTypeEntry>;

/** A catalogue key: the only strings `events.record` accepts as a type. */
export type EventType = keyof typeof EVENT_TYPES;

type DataSchemaOf<T extends EventType> = (typeof EVENT_TYPES)[T]['data'];

/** The payload (`data`) of an event type, derived from its catalogue schema. */
export type EventData<T extends EventType> = DataSchemaOf<T> extends infer S extends TSchema ? Static<S> : null;

type DataField<T extends EventType> = DataSchemaOf<T> extends TSchema ? { data: EventData<T> } : { data?: null };

/**
 * One event to record. A union over the catalogue: `type` must be a key and `data` must have its payload's shape,
 * so the compiler checks every producer.
 */
export type EventInput<T extends EventType = EventType> = T extends EventType
  ? { type: T; userId?: string | null; changes?: Changes | null } & DataField<T>
  : never;

/** True for a string that names a catalogue type. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_TYPES, type);
}
