import type { Selectable } from 'kysely';

export interface AttributeDefinitionsTable {
  tenant_id: string;
  name: string;
  type: string;
  searchable: boolean;
  is_unique: boolean;
  description: string | null;
  created_at: Date;
}

export interface UniqueAttributeValuesTable {
  tenant_id: string;
  name: string;
  value: string;
  user_id: string;
}

export type AttributeDefinitionRow = Selectable<AttributeDefinitionsTable>;
