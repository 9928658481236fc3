import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import { type PlatformActor, platformContext } from '../core/context.ts';
import { invalidParameter } from '../core/error-helpers.ts';
import { AppError } from '../core/errors.ts';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import type { EventsService } from '../modules/events/events.service.ts';
import { deleteSigninFailures } from '../modules/signin-throttle/signin-throttle.repository.ts';
import { identifierKey, ipKey, userSigninIdentifiers } from '../modules/signin-throttle/signin-throttle.ts';
import type { TenantsService } from '../modules/tenants/tenants.service.ts';
import type { UserView } from '../modules/users/users.ts';
import type { UsersQueryService } from './query-users.ts';

/** Platform-admin actions on the sign-in throttle. Each writes a `signin.unlocked` event. */
export interface SigninUnlockService {
  /**
   * Lifts the blocks and counters of every identifier a user signs in with (email, phone, external id).
   * `user` is the user's id or external id.
   * @throws AppError TENANT_NOT_FOUND, USER_NOT_FOUND
   */
  unlockUser(tenant: string, user: string, actor: PlatformActor): Promise<void>;
  /**
   * Lifts the block and counter of a client address (an IPv6 address lifts its /64).
   * @throws AppError TENANT_NOT_FOUND, INVALID_PARAMETER when `ip` is not an IP address
   */
  unlockIp(tenant: string, ip: string, actor: PlatformActor): Promise<void>;
}

export function createSigninUnlockService(deps: {
  db: Kysely<DB>;
  events: EventsService;
  tenants: TenantsService;
  usersQuery: UsersQueryService;
}): SigninUnlockService {
  const { db, events, tenants, usersQuery } = deps;

  async function findUser(tenantId: string, ref: string, actor: PlatformActor): Promise<UserView> {
    const ctx = platformContext(tenantId, actor);
    try {
      return await usersQuery.getUser(ctx, ref);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'USER_NOT_FOUND')) throw error;
      return usersQuery.getUserByExternalId(ctx, ref);
    }
  }

  return {
    async unlockUser(tenant, ref, actor) {
      const tenantId = (await tenants.resolveTenant(tenant)).id;
      const user = await findUser(tenantId, ref, actor);
      await inTransaction(db, async (trx) => {
        const cleared = await deleteSigninFailures(trx, tenantId, userSigninIdentifiers(user).map(identifierKey));
        await events.record(trx, platformContext(tenantId, actor), { type: 'signin.unlocked', userId: user.id, data: { cleared } });
      });
    },

    async unlockIp(tenant, ip, actor) {
      const tenantId = (await tenants.resolveTenant(tenant)).id;
      if (isIP(ip) === 0) throw invalidParameter('ip', 'must be an IPv4 or IPv6 address', 'invalid_ip');
      const key = ipKey(ip);
      await inTransaction(db, async (trx) => {
        const cleared = await deleteSigninFailures(trx, tenantId, [key]);
        await events.record(trx, platformContext(tenantId, actor), {
          type: 'signin.unlocked',
          data: { ip: key.slice('ip:'.length), cleared },
        });
      });
    },
  };
}
