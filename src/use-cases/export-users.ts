import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { ActorContext } from '../core/context.ts';
import type { DB } from '../db/schema.ts';
import type { UserWithBrands } from '../modules/users/users.repository.ts';
import { toUserView, type UserView } from '../modules/users/users.ts';
import { type ExportInclude, heldKeys, refsOfUsers } from '../modules/users/users-export.repository.ts';
import { listUsers, type UserPosition } from '../modules/users/users-search.repository.ts';
import type { UserListQuery, UsersQueryService } from './query-users.ts';

export type { ExportInclude } from '../modules/users/users-export.repository.ts';

/** A user as the bulk export writes it: the API's user, with its company and plan references when asked. */
export type ExportedUser = UserView & { companies?: string[]; plans?: string[] };

/** What an export stream yields: first the attribute and consent names held (CSV columns), then every user. */
export type ExportItem = { kind: 'keys'; attributes: string[]; consents: string[] } | { kind: 'user'; user: ExportedUser };

export interface UsersExport {
  /**
   * Streams the users matching a list query from one snapshot (a REPEATABLE READ transaction, keyset pages inside
   * it): a user changed while the export runs appears once, as it was when the export began. Never passwords or
   * hashes (they are not in the user). The filter is resolved first, so a bad one throws before anything streams.
   * @throws AppError INVALID_PARAMETER, ATTRIBUTE_NOT_SEARCHABLE
   */
  exportUsers(ctx: ActorContext, query: UserListQuery, include: ReadonlySet<ExportInclude>): Promise<AsyncGenerator<ExportItem>>;
}

const PAGE = 1000;

export function createUsersExport(deps: { db: Kysely<DB>; clock: Clock; usersQuery: UsersQueryService }): UsersExport {
  return {
    async exportUsers(ctx, query, include) {
      const filter = await deps.usersQuery.userFilter(ctx, query);
      const now = deps.clock.now();
      async function* stream(): AsyncGenerator<ExportItem> {
        const trx = await deps.db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
        try {
          yield { kind: 'keys', ...(await heldKeys(trx, ctx.tenantId)) };
          let after: UserPosition | null = null;
          for (;;) {
            const rows: UserWithBrands[] = await listUsers(trx, ctx.tenantId, filter, after, PAGE);
            if (rows.length === 0) break;
            const refs =
              include.size > 0
                ? await refsOfUsers(
                    trx,
                    ctx.tenantId,
                    rows.map((r) => r.id),
                    include,
                    now,
                  )
                : null;
            for (const row of rows) {
              const user: ExportedUser = toUserView(row, row.brands);
              if (include.has('companies')) user.companies = refs?.companies.get(row.id) ?? [];
              if (include.has('plans')) user.plans = refs?.plans.get(row.id) ?? [];
              yield { kind: 'user', user };
            }
            const last = rows[rows.length - 1];
            after = { value: last.created_at, id: last.id };
            if (rows.length < PAGE) break;
          }
        } finally {
          await trx.rollback().execute();
        }
      }
      return stream();
    },
  };
}
