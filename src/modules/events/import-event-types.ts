import { Type } from 'typebox';
import { type EventTypeEntry, Id, Obj, OTHER, Str } from './event-catalogue-parts.ts';

const Count = Type.Integer();

/** Bulk import jobs (issue 13). Each row's own change writes its normal user events. Part of EVENT_TYPES (event-types.ts). */
export const IMPORT_EVENT_TYPES = {
  'import.started': {
    description: 'A bulk import job started processing its uploaded file (written once, when its first batch is taken).',
    user: 'never',
    changes: null,
    data: Obj({ importId: Id, format: Str, mode: Str, match: Str, dryRun: Type.Boolean() }),
    example: { data: { importId: OTHER, format: 'ndjson', mode: 'upsert', match: 'email', dryRun: false } },
  },
  'import.finished': {
    description: 'A bulk import job ended (`status`: succeeded, failed or cancelled), with its row counts.',
    user: 'never',
    changes: null,
    data: Obj({ importId: Id, status: Str, rowsRead: Count, created: Count, updated: Count, unchanged: Count, failed: Count }),
    example: {
      data: { importId: OTHER, status: 'succeeded', rowsRead: 1000, created: 900, updated: 50, unchanged: 40, failed: 10 },
    },
  },
} as const satisfies Record<string, EventTypeEntry>;
