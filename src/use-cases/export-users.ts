import { countries } from 'countries-list';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { ActorContext } from '../core/context.ts';
import { countryInfo } from '../core/country.ts';
import type { DB } from '../db/schema.ts';
import type { UserWithBrands } from '../modules/users/users.repository.ts';
import { toUserView, type UserView } from '../modules/users/users.ts';
import {
  anyBrandMemberships,
  type ExportInclude,
  type ExportPosition,
  heldKeys,
  refsOfUsers,
  userLinesPage,
} from '../modules/users/users-export.repository.ts';
import { listUsers, type UserPosition } from '../modules/users/users-search.repository.ts';
import { encodeExport } from './export-users.format.ts';
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
  /**
   * The export as the file it is (NDJSON or CSV), in pieces of a page or ~64 KiB, from one snapshot as
   * `exportUsers`. NDJSON lines are built by PostgreSQL (the same user as `exportUsers` yields, key for key).
   * @throws AppError INVALID_PARAMETER, ATTRIBUTE_NOT_SEARCHABLE
   */
  exportText(
    ctx: ActorContext,
    query: UserListQuery,
    include: ReadonlySet<ExportInclude>,
    format: 'ndjson' | 'csv',
  ): Promise<AsyncGenerator<string>>;
}

const PAGE = 1000;
/** Users per NDJSON page: a few MB of text, so that round trips are few and memory stays bounded. */
const LINES_PAGE = 5000;

/** The country facts of the user view, by upper-case code, for PostgreSQL to look up per row. */
const COUNTRIES = JSON.stringify(
  Object.fromEntries(
    Object.keys(countries).map((code) => {
      const info = countryInfo(code);
      return [code.toUpperCase(), { n: info?.name ?? null, d: info?.dialCode ?? null, c: info?.currency ?? null }];
    }),
  ),
);

/** Whether a number as PostgreSQL printed it may differ from how JSON.stringify writes the same number. */
function unlikeJs(token: string): boolean {
  // Exponents (float8 writes 1e-06, JS 0.000001), digits beyond a double's precision or numeric's long forms of
  // what JS writes with an exponent (1000000000000000000000, 0.0000001); shorter plain numbers print the same.
  return token.length >= 16 || /[eE]/.test(token) || /^-?0\.000000/.test(token);
}

/**
 * A JSON text as JSON.stringify would write the value it holds: PostgreSQL prints jsonb as `{"a": 1, "b": [1, 2]}`
 * (a space is the only whitespace it writes) and some numbers in other forms (`1e-06`, `1000000000000000000000`);
 * the API writes `{"a":1,"b":[1,2]}`, `0.000001`, `1e+21`. Strings are kept as they are.
 */
export function asJsonStringify(text: string): string {
  const n = text.length;
  let out = '';
  let start = 0;
  let i = 0;
  while (i < n) {
    // Between strings (short: punctuation, numbers, literals) spaces go; a string is skipped whole with indexOf.
    const quote = text.indexOf('"', i);
    const end = quote < 0 ? n : quote;
    for (let j = i; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === 32) {
        out += text.slice(start, j);
        start = j + 1;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        let k = j + 1;
        for (; k < end; k++) {
          const d = text.charCodeAt(k);
          if (!((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45)) break;
        }
        const token = text.slice(j, k);
        if (unlikeJs(token)) {
          out += text.slice(start, j) + JSON.stringify(Number(token));
          start = k;
        }
        j = k - 1;
      }
    }
    if (quote < 0) break;
    let k = quote + 1;
    for (;;) {
      const close = text.indexOf('"', k);
      if (close < 0) {
        k = n;
        break;
      }
      let backslashes = 0;
      while (text.charCodeAt(close - 1 - backslashes) === 92) backslashes++;
      k = close + 1;
      if (backslashes % 2 === 0) break;
    }
    i = k;
  }
  return start === 0 ? text : out + text.slice(start);
}

export function createUsersExport(deps: { db: Kysely<DB>; clock: Clock; usersQuery: UsersQueryService }): UsersExport {
  const api: UsersExport = {
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

    async exportText(ctx, query, include, format) {
      if (format === 'csv') return encodeExport(await api.exportUsers(ctx, query, include), 'csv', include);
      const filter = await deps.usersQuery.userFilter(ctx, query);
      const now = deps.clock.now();
      async function* stream(): AsyncGenerator<string> {
        const trx = await deps.db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute();
        try {
          const withBrands = await anyBrandMemberships(trx, ctx.tenantId);
          const page = (after: ExportPosition | null) =>
            userLinesPage(trx, ctx.tenantId, filter, after, LINES_PAGE, include, now, COUNTRIES, withBrands);
          let rows = await page(null);
          while (rows.length > 0) {
            const last = rows[rows.length - 1];
            // The next page is read while this one is written out: PostgreSQL builds lines as Node sends them.
            const next = rows.length < LINES_PAGE ? null : page({ at: last.at, id: last.id });
            // Not left unobserved when the consumer stops early (the finally below rolls back after it settles).
            next?.catch(() => {});
            const lines = new Array<string>(rows.length + 1);
            for (let i = 0; i < rows.length; i++) lines[i] = asJsonStringify(rows[i].line);
            lines[rows.length] = '';
            const text = lines.join('\n');
            rows = [];
            yield text;
            rows = next ? await next : [];
          }
        } finally {
          await trx.rollback().execute();
        }
      }
      return stream();
    },
  };
  return api;
}
