import type { EventInput } from '../../modules/events/events.service.ts';
import type { MergedLookup } from '../../modules/providers/provider-lookup.ts';

/** The document's event codes, written as `naviga.<NAME>` with `data.code` holding Naviga's event id. */
const EVENTS = {
  SUBSCRIBE_USER_GET: 4000,
  AUTHSYSTEM_USER_GET: 4601,
  SUBSCRIBE_USER_UPDATE: 4004,
} as const;

function navigaEvent(name: keyof typeof EVENTS, userId: string | null, data: Record<string, unknown> = {}): EventInput {
  return { type: `naviga.${name}`, userId, data: { code: EVENTS[name], name, ...data } };
}

/**
 * The document's events for one call, from the lookup's facts: a get, the provider's get when it was asked, and
 * an update when the lookup provisioned the user or linked it (what it changes on an existing user). The
 * providers service writes them.
 */
export function navigaCallEvents(lookup: MergedLookup): EventInput[] {
  const userId = lookup.local?.id ?? null;
  const out = [navigaEvent('SUBSCRIBE_USER_GET', userId, { found: lookup.local !== null })];
  const asked = lookup.providerStatus === 'ok' || lookup.providerStatus === 'not_found' || lookup.providerStatus === 'unavailable';
  if (asked)
    out.push(navigaEvent('AUTHSYSTEM_USER_GET', userId, { provider: lookup.provider?.name ?? null, status: lookup.providerStatus }));
  if (userId && (lookup.provisioned || lookup.linked)) {
    out.push(navigaEvent('SUBSCRIBE_USER_UPDATE', userId, { provisioned: lookup.provisioned }));
  }
  return out;
}
