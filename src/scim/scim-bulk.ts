import type { ActorContext } from '../core/context.ts';
import { type BulkResult, bulkResponse, orderBulkOperations, parseBulkRequest, resolveBulkIds } from './protocol/bulk.ts';
import { ScimError, scimErrorBody } from './protocol/errors.ts';
import { SCIM_LIMITS } from './scim-discovery.ts';
import { toScimError } from './scim-errors.ts';
import type { scimGroupWrites } from './scim-groups.ts';
import type { scimUserWrites, UserWriteResult } from './scim-users.ts';
import { versionTag } from './user-mapping.ts';

type Writes = ReturnType<typeof scimUserWrites> | ReturnType<typeof scimGroupWrites>;

/** The writes of each resource type Bulk serves, by endpoint name. */
export interface BulkWrites {
  Users: Writes;
  Groups: Writes;
}

function versionOf(text: string | null): number | undefined {
  if (!text) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(text);
  if (!match) throw new ScimError(400, 'invalidValue', 'version must be an ETag this server issued');
  return Number(match[1]);
}

/**
 * Runs a BulkRequest over Users and Groups: operations in reference order, each one user or group change of its own
 * (§3.7: a Bulk request is not atomic as a whole), `bulkId:` references resolved to the ids created (a user created
 * and added to a group in one request), stopping after failOnErrors failures.
 * @throws ScimError for a malformed request or too many operations (413)
 */
export async function runBulk(all: BulkWrites, ctx: ActorContext, base: string, body: unknown): Promise<ReturnType<typeof bulkResponse>> {
  const request = parseBulkRequest(body, SCIM_LIMITS.bulkMaxOperations);
  const created = new Map<string, string>();
  const results: BulkResult[] = [];
  let errors = 0;
  for (const operation of orderBulkOperations(request.operations)) {
    if (request.failOnErrors !== null && errors >= request.failOnErrors) break;
    const result: BulkResult = { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}), status: '' };
    try {
      const path = resolveBulkIds(operation.path, created);
      const data = resolveBulkIds(operation.data, created);
      const match = /^\/(Users|Groups)(?:\/([^/?#]+))?$/.exec(path);
      if (!match) throw new ScimError(404, null, `Bulk serves /Users and /Groups; no resource at ${path}`);
      const endpoint = match[1] as keyof BulkWrites;
      const writes = all[endpoint];
      const id = match[2];
      const ifMatch = versionOf(operation.version);
      let out: UserWriteResult;
      if (operation.method === 'POST') {
        if (id) throw new ScimError(400, 'invalidValue', `POST goes to /${endpoint}`);
        out = await writes.create(ctx, base, data);
        if (operation.bulkId && out.resource) created.set(operation.bulkId, out.resource.id);
      } else {
        if (!id) throw new ScimError(400, 'invalidValue', `${operation.method} needs /${endpoint}/{id}`);
        if (operation.method === 'PUT') out = await writes.replace(ctx, base, id, data, ifMatch);
        else if (operation.method === 'PATCH') out = await writes.patch(ctx, base, id, data, ifMatch);
        else out = await writes.remove(ctx, id, ifMatch);
      }
      result.status = String(out.status);
      if (out.resource) result.location = `${base}/${endpoint}/${out.resource.id}`;
      else if (id) result.location = `${base}/${endpoint}/${id}`;
      if (out.version !== undefined) result.version = versionTag(out.version);
    } catch (error) {
      errors++;
      const mapped = toScimError(error);
      result.status = String(mapped.status);
      result.response = scimErrorBody(mapped.status, mapped.scimType, mapped.detail);
    }
    results.push(result);
  }
  return bulkResponse(results);
}
