import { type EventData, type EventInput, NAVIGA_EVENT_CODES } from './event-types.ts';

export type NavigaEventName = keyof typeof NAVIGA_EVENT_CODES;

/** The payload of a Naviga event beyond its `code` and `name`, which navigaEvent fills in. */
export type NavigaEventExtra<N extends NavigaEventName> = Omit<EventData<`naviga.${N}`>, 'code' | 'name'>;

/** A Naviga per-call event (`naviga.<NAME>`, `data.code` = Naviga's event id), typed by the catalogue. */
export function navigaEvent<N extends NavigaEventName>(
  name: N,
  userId: string | null,
  extra: NavigaEventExtra<N>,
): EventInput<`naviga.${N}`> {
  // The compiler cannot follow a template literal over a generic name; the signature is what callers are checked against.
  return {
    type: `naviga.${name}`,
    userId,
    data: { code: NAVIGA_EVENT_CODES[name], name, ...extra },
  } as unknown as EventInput<`naviga.${N}`>;
}
