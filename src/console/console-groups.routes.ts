import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { expectedVersion, setEtag } from '../http/etag.ts';
import { CompanyCreateSchema, MembershipInputSchema } from '../modules/companies/companies.schemas.ts';
import { GroupCreateSchema, GroupPatchSchema } from '../modules/groups/groups.schemas.ts';
import type { GroupChange, GroupCreate } from '../modules/groups/groups.ts';
import type { Registry } from '../registry.ts';
import { tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsoleGroupsRoutesDeps = Pick<Registry, 'tenants' | 'groups' | 'groupMembers' | 'companies' | 'companyMembers'>;

const TenantId = Type.String({ minLength: 1, maxLength: 64 });
const TenantParams = Type.Object({ tenantId: TenantId });
const GroupParams = Type.Object({ tenantId: TenantId, groupId: Type.String({ minLength: 1, maxLength: 64 }) });
const MemberParams = Type.Object({
  tenantId: TenantId,
  groupId: Type.String({ minLength: 1, maxLength: 64 }),
  userId: Type.String({ minLength: 1, maxLength: 64 }),
});
const UserParams = Type.Object({ tenantId: TenantId, id: Type.String({ minLength: 1, maxLength: 64 }) });
const UserCompanyParams = Type.Object({
  tenantId: TenantId,
  id: Type.String({ minLength: 1, maxLength: 64 }),
  companyId: Type.String({ minLength: 1, maxLength: 256 }),
});
/** The group's own fields as the native PATCH takes them; members are edited one at a time below. */
const GroupFieldsPatch = Type.Omit(GroupPatchSchema, ['members', 'addMembers', 'removeMembers'], { additionalProperties: false });
const ListQuery = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 256 })), cursor: Type.Optional(Type.String({ maxLength: 512 })) },
  { additionalProperties: false },
);

/**
 * A tenant's groups (list, create, edit with If-Match, delete, members added and removed), companies (list, create),
 * and a user's memberships.
 */
export async function consoleGroupsRoutes(fastify: FastifyInstance, { registry }: { registry: ConsoleGroupsRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { groups, groupMembers, companies, companyMembers } = registry;

  app.get('/tenants/:tenantId/groups', { schema: { params: TenantParams, querystring: ListQuery } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return groups.listGroups(ctx, { ...request.query, limit: 100, count: true });
  });

  app.post('/tenants/:tenantId/groups', { schema: { params: TenantParams, body: GroupCreateSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const { group } = await groups.createGroup(ctx, request.body as GroupCreate);
    return reply.code(201).send(group);
  });

  app.get('/tenants/:tenantId/groups/:groupId', { schema: { params: GroupParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return groups.getGroup(ctx, request.params.groupId);
  });

  app.patch('/tenants/:tenantId/groups/:groupId', { schema: { params: GroupParams, body: GroupFieldsPatch } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const { group } = await groups.changeGroup(ctx, request.params.groupId, request.body as GroupChange, {
      expectedVersion: expectedVersion(request),
    });
    setEtag(reply, group.version);
    return group;
  });

  app.delete('/tenants/:tenantId/groups/:groupId', { schema: { params: GroupParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    await groups.deleteGroup(ctx, request.params.groupId);
    return reply.code(204).send();
  });

  app.get(
    '/tenants/:tenantId/groups/:groupId/members',
    { schema: { params: GroupParams, querystring: Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 512 })) }) } },
    async (request) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      return groupMembers.listMembers(ctx, request.params.groupId, { ...request.query, limit: 100 });
    },
  );

  app.put('/tenants/:tenantId/groups/:groupId/members/:userId', { schema: { params: MemberParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const result = await groupMembers.addMember(ctx, request.params.groupId, request.params.userId);
    return reply.code(result.created ? 201 : 200).send(result);
  });

  app.delete('/tenants/:tenantId/groups/:groupId/members/:userId', { schema: { params: MemberParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    await groupMembers.removeMember(ctx, request.params.groupId, request.params.userId);
    return reply.code(204).send();
  });

  app.get('/tenants/:tenantId/companies', { schema: { params: TenantParams, querystring: ListQuery } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return companies.listCompanies(ctx, { ...request.query, limit: 100 });
  });

  app.post('/tenants/:tenantId/companies', { schema: { params: TenantParams, body: CompanyCreateSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.code(201).send(await companies.createCompany(ctx, request.body));
  });

  app.get('/tenants/:tenantId/users/:id/groups', { schema: { params: UserParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await groupMembers.listUserGroups(ctx, request.params.id) };
  });

  app.get('/tenants/:tenantId/users/:id/companies', { schema: { params: UserParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await companyMembers.listUserMemberships(ctx, request.params.id) };
  });

  app.put(
    '/tenants/:tenantId/users/:id/companies/:companyId',
    { schema: { params: UserCompanyParams, body: MembershipInputSchema } },
    async (request, reply) => {
      const ctx = await tenantContext(registry, request, request.params.tenantId);
      const result = await companyMembers.upsertMembership(ctx, request.params.id, request.params.companyId, request.body);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.delete('/tenants/:tenantId/users/:id/companies/:companyId', { schema: { params: UserCompanyParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    await companyMembers.removeMembership(ctx, request.params.id, request.params.companyId);
    return reply.code(204).send();
  });
}
