import type { ActorContext } from '../core/context.ts';
import { decodeSortCursor, decodeTimeIdCursor, encodeCursor, encodeSortCursor } from '../core/cursor.ts';
import { AppError, invalidField } from '../core/errors.ts';
import { isUuid } from '../core/ids.ts';
import { isStorableTime } from '../core/instant.ts';
import { parsePhone } from '../core/phone.ts';
import { createReadRouting, type ReadRouting } from '../db/read-routing.ts';
import type { AttributeType } from '../modules/attributes/attributes.ts';
import { parseFilterValue } from '../modules/attributes/attributes.ts';
import { findBrandBySlug } from '../modules/brands/brands.repository.ts';
import { findCompanyByRef } from '../modules/companies/companies.repository.ts';
import {
  effectiveRoles,
  groupRolesOfUserColumn,
  groupRolesOfUsers,
  groupsOfUserColumn,
} from '../modules/groups/group-members.repository.ts';
import { findPlanByRef } from '../modules/plans/plans.repository.ts';
import {
  findUserByExternalId,
  findUserById,
  findUserByNumber,
  findUserByUsername,
  findUsersByEmailOrPhone,
} from '../modules/users/users.repository.ts';
import { isUserId, type UsersDeps } from '../modules/users/users.service.ts';
import type { UserRow } from '../modules/users/users.table.ts';
import { normalizeEmail, toUserView, type UserSort, type UserStatus, type UserView } from '../modules/users/users.ts';
import { findUsersByPredicate } from '../modules/users/users-predicate.repository.ts';
import { namesAttributes, type PredicateSort, typeAttributePredicates, type UserPredicate } from '../modules/users/users-predicate.ts';
import {
  BY_CREATION,
  countedByCounters,
  countersTotalColumn,
  countUsers,
  listUsers,
  type UserFilter,
  type UserOrder,
  type UserPosition,
  type UserSortColumn,
} from '../modules/users/users-search.repository.ts';

export interface UserListQuery {
  status?: UserStatus;
  role?: string;
  email?: string;
  phone?: string;
  /** Case-insensitive exact match. */
  username?: string;
  brand?: string;
  createdAfter?: string;
  createdBefore?: string;
  q?: string;
  attributes?: Record<string, string>;
  /** Company id or external id. */
  company?: string;
  /** Group id. */
  group?: string;
  /** Plan id, external id or number. */
  plan?: string;
  planActive?: boolean;
  cursor?: string;
  /** The order: a field, `-` first for descending (default `createdAt`); a cursor belongs to the sort it came from. */
  sort?: UserSort;
  /**
   * 1-based page number, for clients that page by number rather than by cursor (skips `(page - 1) * limit`
   * users; not with `cursor`). Bounded by MAX_LIST_OFFSET: a deep offset costs a scan of every skipped row.
   */
  page?: number;
  limit?: number;
  count?: boolean;
}

const SORT_COLUMNS: Record<string, UserSortColumn> = { createdAt: 'created_at', updatedAt: 'updated_at', email: 'email', name: 'name' };

function orderOf(sort: UserSort | undefined): UserOrder {
  if (!sort) return BY_CREATION;
  const descending = sort.startsWith('-');
  return { column: SORT_COLUMNS[descending ? sort.slice(1) : sort], descending };
}

const isTimeColumn = (column: UserSortColumn) => column === 'created_at' || column === 'updated_at';

/**
 * Where the cursor says the page begins. The default order keeps its (time, id) cursors, so cursors handed out before
 * sorts existed still work; every other sort's cursor names its sort.
 * @throws AppError INVALID_PARAMETER naming `cursor` when it was not made for this sort.
 */
function positionOf(sort: UserSort | undefined, order: UserOrder, cursor: string | undefined): UserPosition | null {
  if (!sort || sort === 'createdAt') {
    const position = decodeTimeIdCursor(cursor);
    return position ? { value: position.at, id: position.id } : null;
  }
  const position = decodeSortCursor(cursor, sort, { instant: isTimeColumn(order.column) });
  if (!position) return null;
  return { value: position.value !== null && isTimeColumn(order.column) ? new Date(position.value) : position.value, id: position.id };
}

function cursorAfter(sort: UserSort | undefined, order: UserOrder, last: UserRow): string {
  if (!sort || sort === 'createdAt') return encodeCursor([last.created_at.toISOString(), last.id]);
  const value = last[order.column];
  return encodeSortCursor(sort, { value: value instanceof Date ? value.toISOString() : (value ?? null), id: last.id });
}

/** The most users a page-number list may skip. */
export const MAX_LIST_OFFSET = 100_000;

export interface UserPage {
  data: UserView[];
  nextCursor: string | null;
  total?: number;
}

export interface UsersQueryService {
  /** @throws AppError USER_NOT_FOUND (also for another tenant's id) */
  getUser(ctx: ActorContext, id: string): Promise<UserView>;
  /** @throws AppError USER_NOT_FOUND */
  getUserByExternalId(ctx: ActorContext, externalId: string): Promise<UserView>;
  /** The user with this per-tenant number (User.com's and Publica.la's integer ids). @throws AppError USER_NOT_FOUND */
  getUserByNumber(ctx: ActorContext, number: number): Promise<UserView>;
  /**
   * The user holding the email and/or the phone (both given must name the same user), or the username.
   * @throws AppError USER_NOT_FOUND, INVALID_PARAMETER
   */
  lookupUser(ctx: ActorContext, query: { email?: string; phone?: string; username?: string }): Promise<UserView>;
  /** @throws AppError INVALID_PARAMETER (naming `page` past MAX_LIST_OFFSET or with a cursor), ATTRIBUTE_NOT_SEARCHABLE */
  listUsers(ctx: ActorContext, query: UserListQuery): Promise<UserPage>;
  /**
   * A page (by offset) of the users matching a predicate, with the exact number matching: the query path of
   * adapters whose filter languages compile to SQL (SCIM). Never filters in memory. Custom attributes are typed by
   * the tenant's definitions. With `withGroups`, each user's groups (id, displayName; oldest membership first) come in
   * the same statement (else `groups` is empty).
   * @throws AppError ATTRIBUTE_NOT_DEFINED, ATTRIBUTE_TYPE_MISMATCH (see typeAttributePredicates)
   */
  searchUsers(
    ctx: ActorContext,
    predicate: UserPredicate,
    page: { sort: PredicateSort | null; offset: number; limit: number; withGroups?: boolean },
  ): Promise<{ data: UserView[]; total: number; groups: Map<string, { id: string; displayName: string }[]> }>;
  /**
   * The repository filter of a list query (emails and phones normalized, brands, companies and plans resolved), for
   * readers that page on their own (the bulk export). @throws AppError INVALID_PARAMETER, ATTRIBUTE_NOT_SEARCHABLE
   */
  userFilter(ctx: ActorContext, query: UserListQuery): Promise<UserFilter>;
}

/** An id no row has: a filter on an unknown brand, company or plan matches nobody. */
const NO_MATCH = '00000000-0000-0000-0000-000000000000';

function notFound(details: Record<string, unknown>): AppError {
  return new AppError('USER_NOT_FOUND', 'User not found', details);
}

export function createUsersQueryService(deps: UsersDeps & { reads?: ReadRouting }): UsersQueryService {
  const { db } = deps;
  // Lists and counts may lag: the replica when configured (DATABASE_READ_URL). Lookups stay on the primary.
  const reads = deps.reads ?? createReadRouting(db, null);

  async function identifiers(ctx: ActorContext, query: { email?: string; phone?: string }) {
    const email = query.email !== undefined ? normalizeEmail(query.email) : null;
    if (query.email !== undefined && !email)
      throw invalidField('email', 'must be a valid email address', 'invalid_email', 'INVALID_PARAMETER');
    let phone: string | null = null;
    if (query.phone !== undefined) {
      const tenant = await deps.tenants.getTenantRow(ctx.tenantId);
      phone = parsePhone(query.phone, tenant?.default_country ?? null)?.e164 ?? null;
      if (!phone) throw invalidField('phone', 'must be a valid phone number', 'invalid_phone', 'INVALID_PARAMETER');
    }
    return { email, phone };
  }

  async function buildFilter(ctx: ActorContext, query: UserListQuery): Promise<UserFilter> {
    const filter: UserFilter = { status: query.status, role: query.role, q: query.q?.trim() || undefined };
    const ids = await identifiers(ctx, { email: query.email, phone: query.phone });
    if (ids.email) filter.email = ids.email;
    if (ids.phone) filter.phone = ids.phone;
    if (query.username !== undefined) filter.username = query.username;
    for (const key of ['createdAfter', 'createdBefore'] as const) {
      const raw = query[key];
      if (raw === undefined) continue;
      const time = Date.parse(raw);
      if (!isStorableTime(time)) {
        throw invalidField(key, 'must be an RFC 3339 date-time in years 0001–9999', 'invalid_date', 'INVALID_PARAMETER');
      }
      filter[key] = new Date(time);
    }
    // Unknown companies and plans match no user rather than failing the search, as brands do.
    if (query.company) filter.companyId = (await findCompanyByRef(db, ctx.tenantId, query.company.trim()))?.id ?? NO_MATCH;
    if (query.group) filter.groupId = isUuid(query.group.trim()) ? query.group.trim().toLowerCase() : NO_MATCH;
    if (query.plan) filter.planId = (await findPlanByRef(db, ctx.tenantId, query.plan))?.id ?? NO_MATCH;
    if (query.planActive !== undefined) {
      filter.planActive = query.planActive;
      filter.now = deps.clock.now();
    }
    if (query.brand) {
      const brand = await findBrandBySlug(db, ctx.tenantId, query.brand);
      // An unknown brand matches no user rather than failing the search.
      filter.brandId = brand?.id ?? NO_MATCH;
    }
    const attributeFilters = Object.entries(query.attributes ?? {});
    if (attributeFilters.length > 0) {
      const definitions = await deps.attributes.definitionsOf(ctx.tenantId);
      filter.attributes = {};
      for (const [name, raw] of attributeFilters) {
        const def = definitions.get(name);
        if (!def?.searchable) {
          throw new AppError('ATTRIBUTE_NOT_SEARCHABLE', `attributes.${name} is not a searchable attribute`, {}, [
            { field: `attributes.${name}`, code: 'not_searchable', message: 'is not a searchable attribute' },
          ]);
        }
        const value = parseFilterValue(def.type as AttributeType, raw);
        if (value === undefined) throw invalidField(`attributes.${name}`, `must be a ${def.type}`, 'invalid_type', 'INVALID_PARAMETER');
        filter.attributes[name] = value;
      }
    }
    return filter;
  }

  /** Adds each user's effective roles (own ∪ its groups'), read for all of them in one statement. */
  async function withEffectiveRoles(ctx: ActorContext, users: UserView[]): Promise<UserView[]> {
    const fromGroups = await groupRolesOfUsers(
      db,
      ctx.tenantId,
      users.map((u) => u.id),
    );
    return users.map((user) => ({ ...user, effectiveRoles: effectiveRoles(user.roles, fromGroups.get(user.id)) }));
  }

  return {
    userFilter: buildFilter,
    async getUser(ctx, id) {
      const row = isUserId(id) ? await findUserById(db, ctx.tenantId, id) : undefined;
      if (!row) throw notFound({ id });
      return (await withEffectiveRoles(ctx, [toUserView(row, row.brands)]))[0] as UserView;
    },

    async getUserByExternalId(ctx, externalId) {
      const row = await findUserByExternalId(db, ctx.tenantId, externalId.trim());
      if (!row) throw notFound({ externalId });
      return toUserView(row, row.brands);
    },

    async getUserByNumber(ctx, number) {
      // Numbers are positive bigints; anything else names no user (and must not reach the query as NaN).
      const row = Number.isSafeInteger(number) && number > 0 ? await findUserByNumber(db, ctx.tenantId, number) : undefined;
      if (!row) throw notFound({ number });
      return toUserView(row, row.brands);
    },

    async lookupUser(ctx, query) {
      if (query.username !== undefined) {
        if (query.email !== undefined || query.phone !== undefined) {
          throw invalidField('username', 'not with email or phone', 'conflict', 'INVALID_PARAMETER');
        }
        const row = query.username.trim() ? await findUserByUsername(db, ctx.tenantId, query.username) : undefined;
        if (!row) throw notFound({});
        return toUserView(row, row.brands);
      }
      if (query.email === undefined && query.phone === undefined) {
        throw invalidField('email', 'email or phone is required', 'required', 'INVALID_PARAMETER');
      }
      const { email, phone } = await identifiers(ctx, query);
      const rows = await findUsersByEmailOrPhone(db, ctx.tenantId, email, phone);
      const match = rows.find((r) => (!email || r.email === email) && (!phone || r.phone === phone));
      if (!match) throw notFound({});
      return toUserView(match, match.brands);
    },

    async searchUsers(ctx, predicate, page) {
      const typed = namesAttributes(predicate)
        ? typeAttributePredicates(predicate, await deps.attributes.definitionsOf(ctx.tenantId))
        : predicate;
      type Groups = { groups?: { id: string; displayName: string }[] };
      const extra = page.withGroups ? [groupsOfUserColumn] : [];
      const { rows, total } = await findUsersByPredicate<Groups>(db, ctx.tenantId, typed, page.sort, page.offset, page.limit, extra);
      const groups = new Map<string, { id: string; displayName: string }[]>();
      const data = rows.map(({ groups: of, ...row }) => {
        if (of) groups.set(row.id, of);
        return toUserView(row, row.brands);
      });
      return { data, total, groups };
    },

    async listUsers(ctx, query) {
      const limit = query.limit ?? 50;
      let offset = 0;
      if (query.page !== undefined) {
        if (query.cursor) throw invalidField('page', 'cannot be combined with cursor', 'conflict', 'INVALID_PARAMETER');
        offset = (query.page - 1) * limit;
        if (!Number.isSafeInteger(query.page) || query.page < 1 || offset > MAX_LIST_OFFSET) {
          throw invalidField(
            'page',
            `must be a page number from 1 skipping at most ${MAX_LIST_OFFSET} users`,
            'out_of_range',
            'INVALID_PARAMETER',
          );
        }
      }
      const order = orderOf(query.sort);
      const after = positionOf(query.sort, order, query.cursor);
      const filter = await buildFilter(ctx, query);
      // One round trip for the common page: the rows, each user's group roles and (when the counters answer the
      // filter) the exact total come in one statement; any other count runs beside it.
      const inStatement = query.count === true && countedByCounters(filter);
      type Extra = { group_roles: string[]; counted_total?: string };
      const groupRoles = groupRolesOfUserColumn(ctx.tenantId);
      const extra = inStatement ? [groupRoles, countersTotalColumn(ctx.tenantId, filter)] : [groupRoles];
      const [rows, counted] = await Promise.all([
        reads.lagTolerant((from) => listUsers<Extra>(from, ctx.tenantId, filter, after, limit + 1, offset, order, extra)),
        query.count && !inStatement ? reads.lagTolerant((from) => countUsers(from, ctx.tenantId, filter)) : Promise.resolve(undefined),
      ]);
      let total = counted;
      if (inStatement) {
        const fromRow = rows[0]?.counted_total;
        // An empty page carries no total: ask for it.
        total = fromRow !== undefined ? Number(fromRow) : await reads.lagTolerant((from) => countUsers(from, ctx.tenantId, filter));
      }
      const page = rows.length > limit ? rows.slice(0, limit) : rows;
      const last = page.at(-1);
      const data = page.map((row) => {
        const view = toUserView(row, row.brands);
        view.effectiveRoles = effectiveRoles(row.roles, row.group_roles);
        return view;
      });
      return {
        data,
        nextCursor: rows.length > limit && last ? cursorAfter(query.sort, order, last) : null,
        ...(total !== undefined ? { total } : {}),
      };
    },
  };
}
