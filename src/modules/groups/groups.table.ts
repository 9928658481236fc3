import type { Generated, Selectable } from 'kysely';

export interface GroupsTable {
  tenant_id: string;
  id: string;
  display_name: string;
  external_id: string | null;
  roles: string[];
  created_at: Date;
  updated_at: Date;
  version: Generated<number>;
}

export interface GroupMembersTable {
  tenant_id: string;
  group_id: string;
  user_id: string;
  joined_at: Date;
}

export type GroupRow = Selectable<GroupsTable>;
export type GroupMemberRow = Selectable<GroupMembersTable>;
