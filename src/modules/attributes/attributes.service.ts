import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { invalidField } from '../../core/errors.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventsService } from '../events/events.service.ts';
import { insertDefinition, insertDefinitionIfAbsent, listDefinitions } from './attributes.repository.ts';
import type { DefinitionInputSchema } from './attributes.schemas.ts';
import type { AttributeDefinitionRow } from './attributes.table.ts';
import { ATTRIBUTE_NAME, ATTRIBUTE_TYPES, type AttributeDefinitionView, type AttributeType, toDefinitionView } from './attributes.ts';

/** A definition as the API accepts it. */
export type DefinitionInput = Static<typeof DefinitionInputSchema>;

export interface AttributesService {
  /** @throws AppError VALIDATION_FAILED, ATTRIBUTE_DEFINITION_EXISTS */
  defineAttribute(ctx: ActorContext, input: DefinitionInput): Promise<AttributeDefinitionView>;
  listDefinitions(ctx: ActorContext): Promise<AttributeDefinitionView[]>;
  /** The tenant's definitions by name, cached for a few seconds. */
  definitionsOf(tenantId: string): Promise<Map<string, AttributeDefinitionRow>>;
  /**
   * The definitions of `wanted` the tenant does not have yet (by name; one it has stays as it is, type included),
   * as rows to write with writeDefinitionsIfAbsent.
   * @throws AppError VALIDATION_FAILED (a name or type that no definition may have)
   */
  missingDefinitions(ctx: ActorContext, wanted: readonly DefinitionRequest[]): Promise<AttributeDefinitionRow[]>;
  /**
   * Writes definitions inside the caller's transaction, each with its `attribute.defined` event, skipping a name
   * defined meanwhile (a concurrent change defined it first: no second event).
   */
  writeDefinitionsIfAbsent(trx: Kysely<DB>, ctx: ActorContext, rows: readonly AttributeDefinitionRow[]): Promise<void>;
}

/** A definition a change needs, created on first use. */
export interface DefinitionRequest {
  name: string;
  type: AttributeType;
  searchable?: boolean;
  description?: string;
}

export function createAttributesService(deps: { db: Kysely<DB>; clock: Clock; events: EventsService }): AttributesService {
  const { db, clock, events } = deps;
  // Definitions are read on every write that sets attributes; a few seconds of staleness across processes is accepted.
  const cache = new TtlCache<string, Map<string, AttributeDefinitionRow>>({ clock, ttlMs: 5_000, maxEntries: 10_000 });
  function definitionRow(ctx: ActorContext, input: DefinitionInput): AttributeDefinitionRow {
    if (!ATTRIBUTE_NAME.test(input.name))
      throw invalidField('name', 'must be letters, digits and underscores, starting with a letter', 'invalid_name');
    if (!ATTRIBUTE_TYPES.includes(input.type)) throw invalidField('type', `must be one of ${ATTRIBUTE_TYPES.join(', ')}`, 'invalid_enum');
    return {
      tenant_id: ctx.tenantId,
      name: input.name,
      type: input.type,
      searchable: input.searchable ?? false,
      is_unique: input.unique ?? false,
      description: input.description ?? null,
      created_at: clock.now(),
    };
  }
  const definedEvent = (row: AttributeDefinitionRow) =>
    ({
      type: 'attribute.defined',
      data: { name: row.name, type: row.type, searchable: row.searchable, unique: row.is_unique },
    }) as const;
  const service: AttributesService = {
    async defineAttribute(ctx, input) {
      const row = definitionRow(ctx, input);
      await inTransaction(db, async (trx) => {
        await insertDefinition(trx, row);
        await events.record(trx, ctx, definedEvent(row));
      });
      cache.delete(ctx.tenantId);
      return toDefinitionView(row);
    },
    async listDefinitions(ctx) {
      return (await listDefinitions(db, ctx.tenantId)).map(toDefinitionView);
    },
    async missingDefinitions(ctx, wanted) {
      if (wanted.length === 0) return [];
      const defined = await service.definitionsOf(ctx.tenantId);
      return wanted.filter((w) => !defined.has(w.name)).map((w) => definitionRow(ctx, w));
    },
    async writeDefinitionsIfAbsent(trx, ctx, rows) {
      for (const row of rows) if (await insertDefinitionIfAbsent(trx, row)) await events.record(trx, ctx, definedEvent(row));
      if (rows.length > 0) cache.delete(ctx.tenantId);
    },
    async definitionsOf(tenantId) {
      const hit = cache.get(tenantId);
      if (hit) return hit;
      const defs = new Map((await listDefinitions(db, tenantId)).map((d) => [d.name, d]));
      cache.set(tenantId, defs);
      return defs;
    },
  };
  return service;
}
