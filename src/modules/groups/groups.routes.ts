import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses, PageQuery } from '../../core/schemas.ts';
import { expectedVersion, setEtag } from '../../http/etag.ts';
import type { Registry } from '../../registry.ts';
import {
  GroupCreateSchema,
  GroupListQuery,
  GroupMemberPageSchema,
  GroupMemberParams,
  GroupMembershipResultSchema,
  GroupPageSchema,
  GroupParams,
  GroupPatchSchema,
  UserGroupSchema,
} from './groups.schemas.ts';
import type { GroupChange, GroupCreate } from './groups.ts';

const tags = ['groups'];
const groupRef = Type.Ref('Group');

/** What these routes use of the registry. */
export type GroupsRoutesDeps = Pick<Registry, 'groups' | 'groupMembers'>;

/** Groups under /v1/groups, their members, and a user's groups. */
export async function groupsRoutes(fastify: FastifyInstance, { registry }: { registry: GroupsRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { groups, groupMembers } = registry;

  app.post(
    '/groups',
    {
      config: { scope: 'groups:write', idempotent: true },
      schema: {
        tags,
        operationId: 'createGroup',
        summary: 'Create a group, with its first members',
        body: GroupCreateSchema,
        response: { 201: groupRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { group } = await groups.createGroup(request.ctx, request.body as GroupCreate);
      setEtag(reply, group.version);
      return reply.code(201).header('location', `/v1/groups/${group.id}`).send(group);
    },
  );

  app.get(
    '/groups',
    {
      config: { scope: 'groups:read' },
      schema: {
        tags,
        operationId: 'listGroups',
        summary: 'List groups, oldest first',
        querystring: GroupListQuery,
        response: { 200: GroupPageSchema, ...errorResponses },
      },
    },
    async (request) => groups.listGroups(request.ctx, request.query),
  );

  app.get(
    '/groups/:groupId',
    {
      config: { scope: 'groups:read' },
      schema: {
        tags,
        operationId: 'getGroup',
        summary: 'Get a group',
        params: GroupParams,
        response: { 200: groupRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const group = await groups.getGroup(request.ctx, request.params.groupId);
      setEtag(reply, group.version);
      return group;
    },
  );

  app.patch(
    '/groups/:groupId',
    {
      config: { scope: 'groups:write' },
      schema: {
        tags,
        operationId: 'updateGroup',
        summary: 'Update a group (merge patch of its fields; members replaced or edited; If-Match for optimistic locking)',
        params: GroupParams,
        body: GroupPatchSchema,
        response: { 200: groupRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { group } = await groups.changeGroup(request.ctx, request.params.groupId, request.body as GroupChange, {
        expectedVersion: expectedVersion(request),
      });
      setEtag(reply, group.version);
      return group;
    },
  );

  app.delete(
    '/groups/:groupId',
    {
      config: { scope: 'groups:write' },
      schema: {
        tags,
        operationId: 'deleteGroup',
        summary: 'Delete a group and its memberships',
        params: GroupParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await groups.deleteGroup(request.ctx, request.params.groupId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/groups/:groupId/members',
    {
      config: { scope: 'groups:read' },
      schema: {
        tags,
        operationId: 'listGroupMembers',
        summary: 'List a group’s members, oldest membership first',
        params: GroupParams,
        querystring: PageQuery,
        response: { 200: GroupMemberPageSchema, ...errorResponses },
      },
    },
    async (request) => groupMembers.listMembers(request.ctx, request.params.groupId, request.query),
  );

  app.put(
    '/groups/:groupId/members/:userId',
    {
      config: { scope: 'groups:write' },
      schema: {
        tags,
        operationId: 'addGroupMember',
        summary: 'Add a user to a group (201 new, 200 already a member)',
        params: GroupMemberParams,
        response: { 200: GroupMembershipResultSchema, 201: GroupMembershipResultSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await groupMembers.addMember(request.ctx, request.params.groupId, request.params.userId);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.delete(
    '/groups/:groupId/members/:userId',
    {
      config: { scope: 'groups:write' },
      schema: {
        tags,
        operationId: 'removeGroupMember',
        summary: 'Remove a user from a group (idempotent)',
        params: GroupMemberParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await groupMembers.removeMember(request.ctx, request.params.groupId, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users/:id/groups',
    {
      config: { scope: 'groups:read' },
      schema: {
        tags,
        operationId: 'listUserGroups',
        summary: 'List the groups a user belongs to',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ data: Type.Array(UserGroupSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await groupMembers.listUserGroups(request.ctx, request.params.id) }),
  );
}
