import type { EventInput } from '../../modules/events/events.service.ts';
import { navigaEvent } from '../../modules/events/naviga-events.ts';
import type { MergedLookup } from '../../modules/providers/provider-lookup.ts';

/**
 * The document's events for one call, from the lookup's facts: a get, the provider's get when it was asked, and
 * an update when the lookup provisioned the user or linked it (what it changes on an existing user). The
 * providers service writes them.
 */
export function navigaCallEvents(lookup: MergedLookup): EventInput[] {
  const userId = lookup.local?.id ?? null;
  const out: EventInput[] = [navigaEvent('SUBSCRIBE_USER_GET', userId, { found: lookup.local !== null })];
  const asked = lookup.providerStatus === 'ok' || lookup.providerStatus === 'not_found' || lookup.providerStatus === 'unavailable';
  if (asked)
    out.push(navigaEvent('AUTHSYSTEM_USER_GET', userId, { provider: lookup.provider?.name ?? null, status: lookup.providerStatus }));
  if (userId && (lookup.provisioned || lookup.linked)) {
    out.push(navigaEvent('SUBSCRIBE_USER_UPDATE', userId, { provisioned: lookup.provisioned }));
  }
  return out;
}
