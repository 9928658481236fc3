import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Clock } from '../../core/clock.ts';
import type { ActorContext } from '../../core/context.ts';
import { invalidField } from '../../core/errors.ts';
import { TtlCache } from '../../core/ttl-cache.ts';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import type { EventsService } from '../events/events.service.ts';
import { insertDefinition, listDefinitions } from './attributes.repository.ts';
import type { DefinitionInputSchema } from './attributes.schemas.ts';
import type { AttributeDefinitionRow } from './attributes.table.ts';
import { ATTRIBUTE_NAME, ATTRIBUTE_TYPES, type AttributeDefinitionView, toDefinitionView } from './attributes.ts';

/** A definition as the API accepts it. */
export type DefinitionInput = Static<typeof DefinitionInputSchema>;

export interface AttributesService {
  /** @throws AppError VALIDATION_FAILED, ATTRIBUTE_DEFINITION_EXISTS */
  defineAttribute(ctx: ActorContext, input: DefinitionInput): Promise<AttributeDefinitionView>;
  listDefinitions(ctx: ActorContext): Promise<AttributeDefinitionView[]>;
  /** The tenant's definitions by name, cached for a few seconds. */
  definitionsOf(tenantId: string): Promise<Map<string, AttributeDefinitionRow>>;
}

export function createAttributesService(deps: { db: Kysely<DB>; clock: Clock; events: EventsService }): AttributesService {
  const { db, clock, events } = deps;
  // Definitions are read on every write that sets attributes; a few seconds of staleness across processes is accepted.
  const cache = new TtlCache<string, Map<string, AttributeDefinitionRow>>({ clock, ttlMs: 5_000, maxEntries: 10_000 });
  return {
    async defineAttribute(ctx, input) {
      if (!ATTRIBUTE_NAME.test(input.name))
        throw invalidField('name', 'must be letters, digits and underscores, starting with a letter', 'invalid_name');
      if (!ATTRIBUTE_TYPES.includes(input.type)) throw invalidField('type', `must be one of ${ATTRIBUTE_TYPES.join(', ')}`, 'invalid_enum');
      const row: AttributeDefinitionRow = {
        tenant_id: ctx.tenantId,
        name: input.name,
        type: input.type,
        searchable: input.searchable ?? false,
        is_unique: input.unique ?? false,
        description: input.description ?? null,
        created_at: clock.now(),
      };
      await inTransaction(db, async (trx) => {
        await insertDefinition(trx, row);
        await events.record(trx, ctx, {
          type: 'attribute.defined',
          data: { name: row.name, type: row.type, searchable: row.searchable, unique: row.is_unique },
        });
      });
      cache.delete(ctx.tenantId);
      return toDefinitionView(row);
    },
    async listDefinitions(ctx) {
      return (await listDefinitions(db, ctx.tenantId)).map(toDefinitionView);
    },
    async definitionsOf(tenantId) {
      const hit = cache.get(tenantId);
      if (hit) return hit;
      const defs = new Map((await listDefinitions(db, tenantId)).map((d) => [d.name, d]));
      cache.set(tenantId, defs);
      return defs;
    },
  };
}
