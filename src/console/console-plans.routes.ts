import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { expectedVersion, setEtag } from '../http/etag.ts';
import { AssignPlanSchema, PlanCreateSchema } from '../modules/plans/plans.schemas.ts';
import type { AssignPlanInput } from '../modules/plans/user-plans.service.ts';
import type { Registry } from '../registry.ts';
import { tenantContext } from './console-auth.ts';

/** What these routes use of the registry. */
export type ConsolePlansRoutesDeps = Pick<Registry, 'tenants' | 'plans' | 'userPlans' | 'userChanges'>;

const TenantParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }) });
const UserParams = Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }), id: Type.String({ format: 'uuid' }) });
const AssignmentParams = Type.Object({
  tenantId: Type.String({ minLength: 1, maxLength: 64 }),
  id: Type.String({ format: 'uuid' }),
  assignmentId: Type.String({ maxLength: 64 }),
});

/** A tenant's plans, and a user's plan assignments: assigning and ending are user changes with If-Match. */
export async function consolePlansRoutes(fastify: FastifyInstance, { registry }: { registry: ConsolePlansRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { plans, userPlans, userChanges } = registry;

  app.get('/tenants/:tenantId/plans', { schema: { params: TenantParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return plans.listPlans(ctx, { limit: 200 });
  });

  app.post('/tenants/:tenantId/plans', { schema: { params: TenantParams, body: PlanCreateSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return reply.code(201).send(await plans.createPlan(ctx, request.body as Parameters<typeof plans.createPlan>[1]));
  });

  app.get('/tenants/:tenantId/users/:id/plans', { schema: { params: UserParams } }, async (request) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    return { data: await userPlans.listAssignments(ctx, request.params.id) };
  });

  app.post('/tenants/:tenantId/users/:id/plans', { schema: { params: UserParams, body: AssignPlanSchema } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const target = { kind: 'id', id: request.params.id, expectedVersion: expectedVersion(request) } as const;
    const { user } = await userChanges.applyUserChange(ctx, target, { plans: { assign: [request.body as AssignPlanInput] } });
    setEtag(reply, user.version);
    return user;
  });

  app.post('/tenants/:tenantId/users/:id/plans/:assignmentId/end', { schema: { params: AssignmentParams } }, async (request, reply) => {
    const ctx = await tenantContext(registry, request, request.params.tenantId);
    const target = { kind: 'id', id: request.params.id, expectedVersion: expectedVersion(request) } as const;
    const { user } = await userChanges.applyUserChange(ctx, target, { plans: { end: [request.params.assignmentId] } });
    setEtag(reply, user.version);
    return user;
  });
}
