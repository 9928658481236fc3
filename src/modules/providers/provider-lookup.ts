import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { normalizeEmail } from '../../core/email.ts';
import { invalidField } from '../../core/errors.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventInput, EventsService } from '../events/events.service.ts';
import { findUserByEmail, findUserById } from '../users/users.repository.ts';
import type { UsersService } from '../users/users.service.ts';
import { toUserView, type UserView } from '../users/users.ts';
import type { BreakerSettings } from './circuit-breaker.ts';
import type { ProviderUser } from './connectors/connector.ts';
import type { OutboundPolicy } from './connectors/outbound-http.ts';
import { createProviderFetcher } from './provider-fetch.ts';
import {
  findEffectiveProvider,
  findIdentityBySubject,
  type IdentityWithProvider,
  insertIdentityIfAbsent,
  listUserIdentities,
} from './providers.repository.ts';
import type { ProviderRow } from './providers.table.ts';
import { DEFAULT_FIELD_MAPPING, type MergedUser, type MergeResult, mergeUser, type ProviderType } from './providers.ts';

/**
 * `ok`: the provider answered with the user; `not_found`: it answered without one; `unavailable`: it did not
 * answer (timeout, error, open circuit); `not_configured`: no provider serves the tenant or brand;
 * `skipped`: the caller asked to ignore the provider.
 */
export type ProviderStatus = 'ok' | 'unavailable' | 'not_configured' | 'not_found' | 'skipped';

export interface IdentityView {
  provider: string;
  type: ProviderType;
  subject: string;
  linkedAt: string;
}

export interface MergedLookup {
  /** The local user, after provisioning when that happened. */
  local: UserView | null;
  /** Null when neither Roster nor the provider knows the email. */
  merged: MergedUser | null;
  sources: MergeResult['sources'];
  identities: IdentityView[];
  providerStatus: ProviderStatus;
  /** The provider's view of the user, when it answered with one. */
  providerUser: ProviderUser | null;
  /** The provider consulted (or that failed), if any. */
  provider: { id: string; name: string; type: ProviderType } | null;
  /** True when this lookup created the local user (just-in-time provisioning). */
  provisioned: boolean;
  /** True when this lookup linked the provider's subject to the local user (it writes nothing else to it). */
  linked: boolean;
}

/** Where provider failures are reported (a pino logger fits). */
export interface LookupLog {
  warn(details: object, message: string): void;
}

export interface LookupOptions {
  /** Answer from local data only, as Naviga's `ignoreProvider=true`. */
  ignoreProvider?: boolean;
  /** The brand whose provider to use (its own wins over the tenant's); defaults to the caller's brand. */
  brandId?: string | null;
  log?: LookupLog;
  /**
   * The events that describe this call in the caller's vocabulary (a dialect's own audit codes), built from the
   * lookup's facts and written by the lookup after its own.
   */
  callEvents?: (lookup: MergedLookup) => EventInput[];
}

export interface ProviderLookup {
  /**
   * The local user with this email merged with the upstream provider's view of them. A provider that is down,
   * slow or misconfigured degrades the answer (`providerStatus: "unavailable"`), it never fails it. Links the
   * provider's subject to the local user, and creates the local user when the provider has JIT provisioning on.
   * @throws AppError INVALID_PARAMETER for an invalid email; database errors as they are.
   */
  lookupMerged(ctx: ActorContext, query: { email: string }, options?: LookupOptions): Promise<MergedLookup>;
}

export function createProviderLookup(deps: {
  db: Kysely<DB>;
  clock: Clock;
  events: EventsService;
  users: UsersService;
  box: SecretBox | null;
  policy: OutboundPolicy;
  breaker?: BreakerSettings;
}): ProviderLookup {
  const { db, clock, events } = deps;
  const fetcher = createProviderFetcher(deps);

  async function localByEmail(tenantId: string, email: string): Promise<UserView | null> {
    const row = await findUserByEmail(db, tenantId, email);
    return row ? toUserView(row, row.brands) : null;
  }

  async function localById(tenantId: string, id: string): Promise<UserView | null> {
    const row = await findUserById(db, tenantId, id);
    return row ? toUserView(row, row.brands) : null;
  }

  async function identitiesOf(tenantId: string, user: UserView | null): Promise<IdentityWithProvider[]> {
    return user ? listUserIdentities(db, tenantId, user.id) : [];
  }

  /**
   * Links the subject to the user (and provisions: the user was just created) with the lookup's events, in one
   * transaction. Concurrent lookups each try; the unique keys let exactly one link and one `user.linked` through.
   */
  async function link(
    ctx: ActorContext,
    row: ProviderRow,
    subject: string,
    userId: string,
    created: boolean,
    pending: EventInput[],
  ): Promise<boolean> {
    const data = { provider: row.name, providerId: row.id, subject };
    return inTransaction(db, async (trx) => {
      const linked = await insertIdentityIfAbsent(trx, ctx.tenantId, {
        provider_id: row.id,
        subject,
        user_id: userId,
        linked_at: clock.now(),
      });
      const extra: EventInput[] = [];
      if (created) extra.push({ type: 'user.provisioned', userId, data });
      if (linked) extra.push({ type: 'user.linked', userId, data });
      await events.record(trx, ctx, ...pending, ...extra);
      return Boolean(linked);
    });
  }

  function answer(
    local: UserView | null,
    remote: ProviderUser | null,
    row: ProviderRow | null,
    identities: IdentityWithProvider[],
    providerStatus: ProviderStatus,
    provisioned = false,
    linked = false,
  ): MergedLookup {
    const { merged, sources } = mergeUser(local, remote, row ? { ...DEFAULT_FIELD_MAPPING, ...row.field_mapping } : DEFAULT_FIELD_MAPPING);
    return {
      local,
      merged: local || remote ? merged : null,
      sources: local || remote ? sources : {},
      identities: identities.map((i) => ({
        provider: i.provider_name,
        type: i.provider_type,
        subject: i.subject,
        linkedAt: i.linked_at.toISOString(),
      })),
      providerStatus,
      providerUser: remote,
      provider: row ? { id: row.id, name: row.name, type: row.type } : null,
      provisioned,
      linked,
    };
  }

  /** The lookup, then the caller's events for the call. */
  async function lookupMerged(ctx: ActorContext, query: { email: string }, options: LookupOptions = {}): Promise<MergedLookup> {
    const result = await lookupOnce(ctx, query, options);
    const extra = options.callEvents?.(result) ?? [];
    if (extra.length > 0) await events.record(db, ctx, ...extra);
    return result;
  }

  async function lookupOnce(ctx: ActorContext, query: { email: string }, options: LookupOptions): Promise<MergedLookup> {
    const email = normalizeEmail(query.email);
    if (!email) throw invalidField('email', 'must be a valid email address', 'invalid_email', 'INVALID_PARAMETER');
    let local = await localByEmail(ctx.tenantId, email);
    if (options.ignoreProvider) return answer(local, null, null, await identitiesOf(ctx.tenantId, local), 'skipped');
    const row = await findEffectiveProvider(db, ctx.tenantId, options.brandId !== undefined ? options.brandId : (ctx.brand?.id ?? null));
    if (!row) return answer(local, null, null, await identitiesOf(ctx.tenantId, local), 'not_configured');

    let identities = await identitiesOf(ctx.tenantId, local);
    const linked = identities.find((i) => i.provider_id === row.id) ?? null;
    const outcome = await fetcher.fetchUser(row, { email, subject: linked?.subject ?? null });
    const providerRef = { provider: row.name, providerId: row.id };

    if (!outcome.ok) {
      const { reason, status } = outcome.error;
      options.log?.warn({ ...providerRef, reason, upstreamStatus: status }, `identity provider unavailable: ${outcome.error.message}`);
      await events.record(db, ctx, { type: 'provider.unavailable', userId: local?.id ?? null, data: { ...providerRef, reason, status } });
      return answer(local, null, row, identities, 'unavailable');
    }
    const remote = outcome.user;
    if (!remote) return answer(local, null, row, identities, 'not_found');

    // Known by subject although the email differs locally: the link finds the user.
    if (!local) {
      const identity = await findIdentityBySubject(db, ctx.tenantId, row.id, remote.subject);
      if (identity) local = await localById(ctx.tenantId, identity.user_id);
    }
    const fetched: EventInput = {
      type: 'provider.user_fetched',
      userId: local?.id ?? null,
      data: { ...providerRef, subject: remote.subject, cached: outcome.cached },
    };
    let provisioned = false;
    if (!local && row.jit_provisioning) {
      // Find-or-create is race-safe: parallel lookups of one email agree on one user.
      const result = await deps.users.findOrCreateUser(ctx, {
        email,
        firstName: remote.firstName,
        lastName: remote.lastName,
        name: remote.name,
      });
      local = result.user;
      provisioned = result.created;
      fetched.userId = local.id;
    }
    let linkedNow = false;
    if (local && linked?.subject !== remote.subject) {
      linkedNow = await link(ctx, row, remote.subject, local.id, provisioned, [fetched]);
      identities = await identitiesOf(ctx.tenantId, local);
    } else {
      await events.record(db, ctx, fetched);
    }
    return answer(local, remote, row, identities, 'ok', provisioned, linkedNow);
  }

  return { lookupMerged };
}
