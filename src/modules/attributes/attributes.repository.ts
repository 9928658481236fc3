import type { Kysely } from 'kysely';
import { taken } from '../../core/error-helpers.ts';
import { AppError } from '../../core/errors.ts';
import { type UniqueRules, withUniqueRules } from '../../db/errors.ts';
import type { DB } from '../../db/schema.ts';
import type { AttributeDefinitionRow } from './attributes.table.ts';

/**
 * Inserts an attribute definition.
 * @throws AppError ATTRIBUTE_DEFINITION_EXISTS when the tenant already defines the name
 */
export async function insertDefinition(db: Kysely<DB>, row: AttributeDefinitionRow): Promise<void> {
  const exists = () =>
    new AppError('ATTRIBUTE_DEFINITION_EXISTS', `Attribute ${row.name} is already defined`, { name: row.name }, [
      { field: 'name', code: 'taken', message: 'is already defined' },
    ]);
  await withUniqueRules({ attribute_definitions_pkey: exists }, () => db.insertInto('attribute_definitions').values(row).execute());
}

/** Inserts an attribute definition unless the tenant has one of that name; true when it inserted. */
export async function insertDefinitionIfAbsent(db: Kysely<DB>, row: AttributeDefinitionRow): Promise<boolean> {
  const inserted = await db
    .insertInto('attribute_definitions')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'name']).doNothing())
    .returning('name')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function listDefinitions(db: Kysely<DB>, tenantId: string): Promise<AttributeDefinitionRow[]> {
  return db.selectFrom('attribute_definitions').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
}

/**
 * Replaces a user's indexed values for the given unique attributes.
 * @throws AppError ATTRIBUTE_VALUE_TAKEN (field `attributes`, existingId null: the users service names the attribute
 *   and its holder once the transaction is over) when another user holds one of the values
 */
const UNIQUE_VALUE: UniqueRules = {
  unique_attribute_values_pkey: () => taken('ATTRIBUTE_VALUE_TAKEN', 'attributes', 'belongs to another user', { existingId: null }),
};

export async function replaceUniqueValues(
  db: Kysely<DB>,
  tenantId: string,
  userId: string,
  values: { name: string; value: string | null }[],
): Promise<void> {
  if (values.length === 0) return;
  await db
    .deleteFrom('unique_attribute_values')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where(
      'name',
      'in',
      values.map((v) => v.name),
    )
    .execute();
  const rows = values
    .filter((v) => v.value !== null)
    .map((v) => ({ tenant_id: tenantId, user_id: userId, name: v.name, value: v.value as string }));
  if (rows.length > 0) await withUniqueRules(UNIQUE_VALUE, () => db.insertInto('unique_attribute_values').values(rows).execute());
}

export async function findUniqueValueOwner(db: Kysely<DB>, tenantId: string, name: string, value: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('unique_attribute_values')
    .select('user_id')
    .where('tenant_id', '=', tenantId)
    .where('name', '=', name)
    .where('value', '=', value)
    .executeTakeFirst();
  return row?.user_id;
}

export async function deleteUserUniqueValues(db: Kysely<DB>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom('unique_attribute_values').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
}

/** The unique-attribute index entries a user holds, for the user's data export. */
export async function listUserUniqueValues(db: Kysely<DB>, tenantId: string, userId: string): Promise<{ name: string; value: string }[]> {
  return db
    .selectFrom('unique_attribute_values')
    .select(['name', 'value'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .orderBy('name')
    .execute();
}
