import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.ts';
import { authenticateKey } from '../http/auth.ts';
import { expectedVersion } from '../http/etag.ts';
import type { Registry } from '../registry.ts';
import { toScimGroup } from './group-mapping.ts';
import { ScimError } from './protocol/errors.ts';
import { parseFilter } from './protocol/filter-parser.ts';
import { listResponse, projectResource, readListParams } from './protocol/list.ts';
import { runBulk } from './scim-bulk.ts';
import { resourceTypes, SCIM_LIMITS, schemas, serviceProviderConfig } from './scim-discovery.ts';
import { SCIM_CONTENT_TYPE, sendScimError } from './scim-errors.ts';
import { scimGroupWrites, toGroupWhere, wantsMembers } from './scim-groups.ts';
import { createScimGroupsPort } from './scim-groups-port.ts';
import { scimOperationSchema } from './scim-operations.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from './scim-schemas.ts';
import { scimUserWrites, type UserWriteResult } from './scim-users.ts';
import { toUserPredicate, toUserSort } from './user-filter.ts';
import { toScimUser, versionTag } from './user-mapping.ts';

/** What the SCIM service provider uses of the registry. */
export type ScimDeps = Pick<
  Registry,
  'apiKeys' | 'adminAuth' | 'userChanges' | 'userTransforms' | 'usersQuery' | 'userData' | 'attributes' | 'groups' | 'groupMembers'
>;

/** The base URL resources are located under, as the client reached it. */
export function scimBaseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/scim/v2`;
}

function send(reply: FastifyReply, status: number, body: unknown, version?: number): FastifyReply {
  if (version !== undefined) reply.header('etag', versionTag(version));
  return reply.code(status).type(SCIM_CONTENT_TYPE).send(body);
}

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ScimError(400, 'invalidSyntax', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function readIfMatch(request: FastifyRequest): number | undefined {
  try {
    return expectedVersion(request);
  } catch {
    throw new ScimError(400, 'invalidValue', 'If-Match must be an ETag this server issued, like W/"3"');
  }
}

/** Whether a User projection shows `groups` (else the page's group query is skipped). */
function projectsGroups(params: { attributes?: string[]; excludedAttributes?: string[] }): boolean {
  const bare = (a: string) => a.toLowerCase().replace(`${USER_SCHEMA.toLowerCase()}:`, '');
  if (params.attributes?.length) return params.attributes.some((a) => bare(a) === 'groups' || bare(a).startsWith('groups.'));
  return !(params.excludedAttributes ?? []).some((a) => bare(a) === 'groups');
}

/** The /scim/v2 Users and Groups resources, Bulk and the discovery endpoints. */
export async function scimRoutes(app: FastifyInstance, { registry }: { registry: ScimDeps }): Promise<void> {
  app.decorateRequest('ctx', null as never);
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['application/scim+json'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new ScimError(400, 'invalidSyntax', 'the body is not JSON'), undefined);
    }
  });
  app.setErrorHandler(sendScimError);
  app.addHook('onRoute', (route) => {
    const path = route.url.replace(/^\/scim\/v2/, '');
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      route.schema = { ...route.schema, ...scimOperationSchema(method, path) };
    }
  });
  app.setNotFoundHandler((request, reply) =>
    sendScimError(new ScimError(404, null, `No resource at ${request.url.split('?')[0]}`), request, reply),
  );
  app.addHook('onRequest', async (request) => {
    // Every SCIM change is recorded with source "scim" (the events' `source`).
    request.ctx = { ...(await authenticateKey(registry, request, 'scim')), source: 'scim' };
  });

  app.get('/ServiceProviderConfig', async (request, reply) => send(reply, 200, serviceProviderConfig(scimBaseUrl(request), true)));
  app.get('/ResourceTypes', async (request, reply) => {
    const types = resourceTypes(scimBaseUrl(request), true);
    return send(reply, 200, listResponse(types, types.length, 1));
  });
  app.get<{ Params: { id: string } }>('/ResourceTypes/:id', async (request, reply) => {
    const found = resourceTypes(scimBaseUrl(request), true).find((t) => t.id === request.params.id);
    if (!found) throw new ScimError(404, null, `No resource type ${request.params.id}`);
    return send(reply, 200, found);
  });
  async function tenantSchemas(request: FastifyRequest) {
    const definitions = await registry.attributes.listDefinitions(request.ctx);
    return schemas(
      scimBaseUrl(request),
      definitions.map((d) => ({ name: d.name, type: d.type })),
    );
  }
  app.get('/Schemas', async (request, reply) => {
    const all = await tenantSchemas(request);
    return send(reply, 200, listResponse(all, all.length, 1));
  });
  app.get<{ Params: { id: string } }>('/Schemas/:id', async (request, reply) => {
    const found = (await tenantSchemas(request)).find((s) => s.id === request.params.id);
    if (!found) throw new ScimError(404, null, `No schema ${request.params.id}`);
    return send(reply, 200, found);
  });

  async function listUsers(request: FastifyRequest, reply: FastifyReply, source: Record<string, unknown>, search: boolean) {
    const params = readListParams(source, SCIM_LIMITS.maxResults, search);
    const predicate = params.filter ? toUserPredicate(parseFilter(params.filter)) : ({ kind: 'const', value: true } as const);
    const sort = toUserSort(params.sortBy, params.sortOrder);
    const page = await registry.usersQuery
      // The page's groups come in its own statement (one round trip), unless the projection drops them.
      .searchUsers(request.ctx, predicate, { sort, offset: params.startIndex - 1, limit: params.count, withGroups: projectsGroups(params) })
      .catch((error: unknown) => {
        // A custom attribute the tenant has not defined, or a comparison its type has not, is a bad filter here.
        if (error instanceof AppError && (error.code === 'ATTRIBUTE_NOT_DEFINED' || error.code === 'ATTRIBUTE_TYPE_MISMATCH'))
          throw new ScimError(400, 'invalidFilter', error.message);
        throw error;
      });
    const base = scimBaseUrl(request);
    const resources = page.data.map((u) =>
      projectResource(toScimUser(u, base, page.groups.get(u.id)), params, ['id', 'schemas'], [USER_SCHEMA]),
    );
    return send(reply, 200, listResponse(resources, page.total, params.startIndex));
  }
  app.get('/Users', async (request, reply) => listUsers(request, reply, request.query as Record<string, unknown>, false));
  app.post('/Users/.search', async (request, reply) => listUsers(request, reply, bodyObject(request), true));

  const writes = scimUserWrites(registry);
  const answer = (reply: FastifyReply, out: UserWriteResult) => {
    if (!out.resource) return reply.code(out.status).send();
    if (out.status === 201) reply.header('location', (out.resource.meta as { location: string }).location);
    return send(reply, out.status, out.resource, out.version);
  };

  app.post('/Users', async (request, reply) => answer(reply, await writes.create(request.ctx, scimBaseUrl(request), bodyObject(request))));

  app.get<{ Params: { id: string } }>('/Users/:id', async (request, reply) => {
    const user = await registry.usersQuery.getUser(request.ctx, request.params.id);
    const params = readListParams(request.query as Record<string, unknown>, 1);
    return send(
      reply,
      200,
      projectResource(await writes.render(request.ctx, user, scimBaseUrl(request)), params, ['id', 'schemas'], [USER_SCHEMA]),
      user.version,
    );
  });

  app.put<{ Params: { id: string } }>('/Users/:id', async (request, reply) =>
    answer(reply, await writes.replace(request.ctx, scimBaseUrl(request), request.params.id, bodyObject(request), readIfMatch(request))),
  );
  app.patch<{ Params: { id: string } }>('/Users/:id', async (request, reply) =>
    answer(reply, await writes.patch(request.ctx, scimBaseUrl(request), request.params.id, bodyObject(request), readIfMatch(request))),
  );
  app.delete<{ Params: { id: string } }>('/Users/:id', async (request, reply) =>
    answer(reply, await writes.remove(request.ctx, request.params.id, readIfMatch(request))),
  );

  const groups = createScimGroupsPort(registry);
  const groupWrites = scimGroupWrites(groups);

  async function listGroups(request: FastifyRequest, reply: FastifyReply, source: Record<string, unknown>, search: boolean) {
    const params = readListParams(source, SCIM_LIMITS.maxResults, search);
    // Groups come in creation order only; a sort the server would not do is refused, never ignored.
    if (params.sortBy !== undefined && (params.sortBy.toLowerCase() !== 'meta.created' || params.sortOrder !== 'ascending'))
      throw new ScimError(400, 'invalidValue', 'Groups are listed by meta.created ascending only');
    const where = toGroupWhere(params.filter);
    const withMembers = wantsMembers(params);
    const base = scimBaseUrl(request);
    if (params.count === 0) {
      const { total } = await groups.listGroups(request.ctx, { ...where, offset: 0, limit: 1, excludeMembers: true });
      return send(reply, 200, listResponse([], total, params.startIndex));
    }
    const page = await groups.listGroups(request.ctx, {
      ...where,
      offset: params.startIndex - 1,
      limit: params.count,
      excludeMembers: !withMembers,
    });
    const resources = page.groups.map((g) =>
      projectResource(toScimGroup(g, base, !withMembers), params, ['id', 'schemas'], [GROUP_SCHEMA]),
    );
    return send(reply, 200, listResponse(resources, page.total, params.startIndex));
  }
  app.get('/Groups', async (request, reply) => listGroups(request, reply, request.query as Record<string, unknown>, false));
  app.post('/Groups/.search', async (request, reply) => listGroups(request, reply, bodyObject(request), true));
  // Writes honour attributes/excludedAttributes=members too (§3.9): the answer then reads no member list.
  const noMembers = (request: FastifyRequest) => !wantsMembers(readListParams(request.query as Record<string, unknown>, 1));
  app.post('/Groups', async (request, reply) =>
    answer(reply, await groupWrites.create(request.ctx, scimBaseUrl(request), bodyObject(request), noMembers(request))),
  );
  app.get<{ Params: { id: string } }>('/Groups/:id', async (request, reply) => {
    const params = readListParams(request.query as Record<string, unknown>, 1);
    const withMembers = wantsMembers(params);
    const group = await groups.getGroup(request.ctx, request.params.id, !withMembers);
    return send(
      reply,
      200,
      projectResource(toScimGroup(group, scimBaseUrl(request), !withMembers), params, ['id', 'schemas'], [GROUP_SCHEMA]),
      group.version,
    );
  });
  app.put<{ Params: { id: string } }>('/Groups/:id', async (request, reply) =>
    answer(
      reply,
      await groupWrites.replace(
        request.ctx,
        scimBaseUrl(request),
        request.params.id,
        bodyObject(request),
        readIfMatch(request),
        noMembers(request),
      ),
    ),
  );
  app.patch<{ Params: { id: string } }>('/Groups/:id', async (request, reply) =>
    answer(
      reply,
      await groupWrites.patch(
        request.ctx,
        scimBaseUrl(request),
        request.params.id,
        bodyObject(request),
        readIfMatch(request),
        noMembers(request),
      ),
    ),
  );
  app.delete<{ Params: { id: string } }>('/Groups/:id', async (request, reply) =>
    answer(reply, await groupWrites.remove(request.ctx, request.params.id, readIfMatch(request))),
  );

  app.post('/Bulk', { bodyLimit: SCIM_LIMITS.bulkMaxPayloadSize }, async (request, reply) =>
    send(reply, 200, await runBulk({ Users: writes, Groups: groupWrites }, request.ctx, scimBaseUrl(request), bodyObject(request))),
  );
}
