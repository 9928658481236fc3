import type { Kysely } from 'kysely';
import type { ActorContext } from '../../core/context.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { DB } from '../../db/schema.ts';
import { replaceUniqueValues } from '../attributes/attributes.repository.ts';
import type { AttributeDefinitionRow } from '../attributes/attributes.table.ts';
import { type CredentialsService, hasPassword, type PreparedCredential, splitPassword } from '../credentials/credentials.service.ts';
import type { EventInput, EventsService } from '../events/events.service.ts';
import type { TenantRow } from '../tenants/tenants.table.ts';
import type { NewUser, UserWithBrands } from './users.repository.ts';
import type { UsersDeps, UserWrite } from './users.service.ts';
import type { UserRow } from './users.table.ts';
import { toUserView, type UserView } from './users.ts';
import { isNoop, newUserRow, planUserWrite, type WritePlan, writeEvents } from './users.write-plan.ts';
import {
  findIdentifierHolders,
  findUsersByIdentifierForUpdate,
  insertUsersIfAbsent,
  type MatchColumn,
  updateUsersBulk,
} from './users-bulk.repository.ts';

/** Which identifier finds an existing user, as the import API names it. */
export type MatchField = 'externalId' | 'email' | 'phone' | 'username';
export type BulkMode = 'upsert' | 'create' | 'update';

const COLUMN: Record<MatchField, MatchColumn> = { externalId: 'external_id', email: 'email', phone: 'phone', username: 'username' };

/** A match value as the lookup compares it: usernames are unique case-insensitively, the rest as normalized. */
function matchKey(column: MatchColumn, value: string): string {
  return column === 'username' ? value.toLowerCase() : value;
}

/** One row of a batch: its number in the file and the native user body (already checked against its schema). */
export interface BulkRow {
  row: number;
  input: UserWrite;
  /** Its credential, checked (and hashed) before the transaction; an error fails the row. */
  credential?: PreparedCredential | AppError | null;
}

/** A row's error as the import report keeps it. */
export interface RowError {
  field: string | null;
  code: string;
  message: string;
}

export type BulkOutcome =
  /** `user()` builds the user as written (only rows with side parts need it). */
  { row: number; kind: 'created' | 'updated' | 'unchanged'; user: () => UserView } | { row: number; kind: 'failed'; errors: RowError[] };

/** What planning reads besides the users: once per batch, before its transaction. */
export interface BulkContext {
  tenant: TenantRow;
  definitions: Map<string, AttributeDefinitionRow>;
  roles: ReadonlySet<string>;
}

export interface UsersBulk {
  /** @throws AppError TENANT_NOT_FOUND */
  context(ctx: ActorContext): Promise<BulkContext>;
  /**
   * Checks each row's password or imported hash (hashing a plain password) outside any transaction.
   * Never throws for a bad credential: the row carries the error.
   */
  prepareCredentials(ctx: ActorContext, bc: BulkContext, rows: BulkRow[]): Promise<void>;
  /**
   * Plans every row with the same planner as a single write (`planUserWrite`) against the user its match
   * identifier finds (locked), then writes the batch set-based inside the caller's transaction: one multi-row
   * insert for new users (yielding to users created meanwhile, which are then updated), one update per set of
   * changed columns, and every row's normal user.created / user.updated events. With `dryRun` nothing is written.
   * The match values must be distinct within a batch. Database errors (a unique attribute value taken, an email
   * taken by an update) propagate: the caller retries the rows one by one to find the one at fault.
   */
  writeBatch(
    trx: Kysely<DB>,
    ctx: ActorContext,
    bc: BulkContext,
    rows: BulkRow[],
    options: { match: MatchField; mode: BulkMode; dryRun: boolean },
  ): Promise<BulkOutcome[]>;
  /** The match value of a row as stored (normalized), or null when the row has none or is invalid. */
  matchValue(ctx: ActorContext, bc: BulkContext, input: UserWrite, match: MatchField): string | null;
}

type BulkDeps = Pick<UsersDeps, 'clock' | 'ids' | 'tenants' | 'attributes' | 'roles' | 'endSessions'> & {
  events: EventsService;
  credentials: CredentialsService;
};

function fieldErrors(error: unknown): RowError[] {
  if (!(error instanceof AppError)) throw error;
  if (error.fieldErrors.length > 0) return error.fieldErrors.map((e: FieldError) => ({ field: e.field, code: e.code, message: e.message }));
  return [{ field: null, code: error.code, message: error.message }];
}

/** The users domain's set-based write for bulk imports. */
export function createUsersBulk(deps: BulkDeps): UsersBulk {
  const { clock, ids, events } = deps;
  const today = () => clock.now().toISOString().slice(0, 10);

  function plan(ctx: ActorContext, bc: BulkContext, input: UserWrite, existing: UserWithBrands | null): WritePlan {
    const { profile } = splitPassword(input);
    return planUserWrite(ctx, profile, existing, bc.tenant, bc.definitions, today(), bc.roles);
  }

  const newUser = (p: WritePlan): NewUser => newUserRow(p, ids.uuid(), clock.now());

  return {
    async context(ctx) {
      const [tenant, definitions, roles] = await Promise.all([
        deps.tenants.getTenantRow(ctx.tenantId),
        deps.attributes.definitionsOf(ctx.tenantId),
        deps.roles.rolesOf(ctx.tenantId),
      ]);
      if (!tenant) throw new AppError('TENANT_NOT_FOUND');
      return { tenant, definitions, roles };
    },

    async prepareCredentials(_ctx, bc, rows) {
      for (const r of rows) {
        const { password } = splitPassword(r.input);
        if (!hasPassword(password)) continue;
        try {
          r.credential = await deps.credentials.prepare(password, { rejectCommon: bc.tenant.reject_common_passwords });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          r.credential = error;
        }
      }
    },

    matchValue(ctx, bc, input, match) {
      try {
        const value = plan(ctx, bc, input, null).update[COLUMN[match]];
        return typeof value === 'string' ? value : null;
      } catch {
        return null;
      }
    },

    async writeBatch(trx, ctx, bc, rows, { match, mode, dryRun }) {
      const column = COLUMN[match];
      const outcomes = new Map<number, BulkOutcome>();
      const fail = (row: number, errors: RowError[]) => outcomes.set(row, { row, kind: 'failed', errors });
      const fresh: { r: BulkRow; p: WritePlan; key: string }[] = [];
      for (const r of rows) {
        if (r.credential instanceof AppError) {
          fail(r.row, fieldErrors(r.credential));
          continue;
        }
        try {
          const p = plan(ctx, bc, r.input, null);
          const value = p.update[column];
          if (typeof value !== 'string' || value === '') {
            fail(r.row, [{ field: match, code: 'required', message: `is required to match on ${match}` }]);
            continue;
          }
          fresh.push({ r, p, key: matchKey(column, value) });
        } catch (error) {
          fail(r.row, fieldErrors(error));
        }
      }
      const found = await findUsersByIdentifierForUpdate(
        trx,
        ctx.tenantId,
        column,
        fresh.map((f) => f.key),
      );
      const byKey = new Map(found.map((u) => [matchKey(column, u[column] as string), u]));
      const inserts: { r: BulkRow; p: WritePlan; user: NewUser; key: string }[] = [];
      const updates: { r: BulkRow; p: WritePlan; existing: UserWithBrands }[] = [];
      const unchanged: { r: BulkRow; existing: UserWithBrands }[] = [];

      const planUpdate = (r: BulkRow, existing: UserWithBrands) => {
        if (mode === 'create') {
          fail(r.row, [{ field: match, code: 'taken', message: `a user with this ${match} exists` }]);
          return;
        }
        try {
          const p = plan(ctx, bc, r.input, existing);
          const u = { ...existing, ...p.update };
          if (!u.email && !u.phone && !u.external_id && !u.username) {
            fail(r.row, [{ field: 'email', code: 'required', message: 'one of email, phone, externalId, username is required' }]);
          } else if (isNoop(p) && !r.credential) unchanged.push({ r, existing });
          else updates.push({ r, p, existing });
        } catch (error) {
          fail(r.row, fieldErrors(error));
        }
      };

      for (const { r, p, key } of fresh) {
        const existing = byKey.get(key);
        if (existing) planUpdate(r, existing);
        else if (mode === 'update') fail(r.row, [{ field: match, code: 'not_found', message: `no user has this ${match}` }]);
        else inserts.push({ r, p, key, user: newUser(p) });
      }

      const now = clock.now();
      const eventInputs: EventInput[] = [];
      const credentialRows: { userId: string; credential: PreparedCredential; replaced: boolean }[] = [];
      const uniqueRows: { userId: string; p: WritePlan }[] = [];
      const note = (r: BulkRow, userId: string, p: WritePlan, replaced: boolean) => {
        if (r.credential && !(r.credential instanceof AppError)) credentialRows.push({ userId, credential: r.credential, replaced });
        if (p.uniqueValues.length > 0) uniqueRows.push({ userId, p });
      };

      if (dryRun) {
        for (const { r, user } of inserts) outcomes.set(r.row, { row: r.row, kind: 'created', user: lazyView(draft(user, now), []) });
      } else {
        const inserted = await insertUsersIfAbsent(
          trx,
          ctx.tenantId,
          inserts.map((i) => i.user),
          now,
          column,
        );
        const byId = new Map(inserts.map((i) => [i.user.id, i]));
        const insertedIds = new Set(inserted.map((row) => row.id));
        const yielded = inserts.filter((i) => !insertedIds.has(i.user.id));
        for (const row of inserted) {
          const item = byId.get(row.id) as (typeof inserts)[number];
          outcomes.set(item.r.row, {
            row: item.r.row,
            kind: 'created',
            user: lazyView({ ...(draft(item.user, now) as UserRow), ...row }, []),
          });
          eventInputs.push(...writeEvents('user.created', row.id, item.p));
          note(item.r, row.id, item.p, false);
        }
        if (yielded.length > 0) {
          // Created meanwhile by another writer (the API): the row updates that user instead, once locked.
          const now2 = await findUsersByIdentifierForUpdate(
            trx,
            ctx.tenantId,
            column,
            yielded.map((y) => y.key),
          );
          const latest = new Map(now2.map((u) => [matchKey(column, u[column] as string), u]));
          for (const y of yielded) {
            const existing = latest.get(y.key);
            if (existing) planUpdate(y.r, existing);
            else fail(y.r.row, await takenErrors(trx, ctx.tenantId, y.p));
          }
        }
      }

      if (dryRun) {
        for (const { r, p, existing } of updates) {
          outcomes.set(r.row, { row: r.row, kind: 'updated', user: lazyView({ ...existing, ...p.update } as never, existing.brands) });
        }
      } else if (updates.length > 0) {
        const updated = await updateUsersBulk(
          trx,
          ctx.tenantId,
          updates.filter((u) => !isNoop(u.p)).map((u) => ({ id: u.existing.id, update: u.p.update })),
          now,
        );
        const rowsById = new Map(updated.map((row) => [row.id, row]));
        for (const { r, p, existing } of updates) {
          const row = { ...existing, ...p.update, ...rowsById.get(existing.id) } as never;
          outcomes.set(r.row, { row: r.row, kind: 'updated', user: lazyView(row, existing.brands) });
          if (!isNoop(p)) eventInputs.push(...writeEvents('user.updated', existing.id, p));
          note(r, existing.id, p, true);
        }
      }
      for (const { r, existing } of unchanged)
        outcomes.set(r.row, { row: r.row, kind: 'unchanged', user: lazyView(existing, existing.brands) });

      if (!dryRun) {
        if (eventInputs.length > 0) await events.record(trx, ctx, ...eventInputs);
        for (const { userId, p } of uniqueRows) await replaceUniqueValues(trx, ctx.tenantId, userId, p.uniqueValues);
        for (const { userId, credential, replaced } of credentialRows) {
          await deps.credentials.store(trx, ctx, userId, credential);
          if (replaced) await deps.endSessions(trx, ctx, userId, 'password_changed');
        }
      }
      return rows.map((r) => outcomes.get(r.row) as BulkOutcome);
    },
  };
}

function lazyView(row: UserRow, brands: UserWithBrands['brands']): () => UserView {
  return () => toUserView(row, brands);
}

/** A new user as it would be stored (a dry run's report; the insert returns only what the database drew). */
function draft(user: NewUser, now: Date) {
  return { ...user, number: 0, status: 'active', roles: user.roles ?? [], updated_at: now, version: 1 } as never;
}

/** Which of a row's identifiers another user holds. */
async function takenErrors(trx: Kysely<DB>, tenantId: string, p: WritePlan): Promise<RowError[]> {
  const u = p.update;
  const holders = await findIdentifierHolders(trx, tenantId, {
    email: u.email,
    phone: u.phone,
    external_id: u.external_id,
    username: u.username,
  });
  const errors: RowError[] = [];
  for (const [column, field] of [
    ['email', 'email'],
    ['phone', 'phone'],
    ['external_id', 'externalId'],
  ] as const) {
    if (u[column] && holders.some((h) => h[column] === u[column]))
      errors.push({ field, code: 'taken', message: 'belongs to another user' });
  }
  const username = u.username?.toLowerCase();
  if (username && holders.some((h) => h.username?.toLowerCase() === username))
    errors.push({ field: 'username', code: 'taken', message: 'belongs to another user' });
  return errors.length > 0 ? errors : [{ field: null, code: 'conflict', message: 'an identifier belongs to another user' }];
}
