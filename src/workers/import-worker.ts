import { compileBodyValidator } from '../http/validation.ts';
import { ImportRowSchema } from '../modules/imports/imports.schemas.ts';
import type { Registry } from '../registry.ts';
import { createImportRunner, type ImportRunner } from '../use-cases/run-import.ts';

/** The import row validator: the native body schema's compiler (src/http/validation.ts) over ImportRowSchema. */
export const validateImportRow = compileBodyValidator(ImportRowSchema);

/** The import job runner of a process (the server's, `roster worker`'s, or the CLI's for a direct import). */
export function createImportWorker(
  registry: Registry,
  options: { leaseMs?: number; batchSize?: number; onError?: (error: unknown, jobId: string) => void } = {},
): ImportRunner {
  return createImportRunner({
    db: registry.db,
    imports: registry.imports,
    usersBulk: registry.usersBulk,
    usersLifecycle: registry.usersLifecycle,
    companyMembers: registry.companyMembers,
    userPlans: registry.userPlans,
    sessions: registry.sessions,
    attributes: registry.attributes,
    validateRow: validateImportRow,
    batchSize: options.batchSize ?? registry.config.imports.batchSize,
    leaseMs: options.leaseMs ?? registry.config.imports.leaseSeconds * 1000,
    onError: options.onError,
  });
}
