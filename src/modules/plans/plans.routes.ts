import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../core/schemas.ts';
import { expectedVersion, setEtag } from '../../http/etag.ts';
import type { Registry } from '../../registry.ts';
import {
  AssignmentParams,
  AssignmentSchema,
  AssignPlanSchema,
  PlanCreateSchema,
  PlanListQuery,
  PlanPageSchema,
  PlanParams,
  PlanPatchSchema,
} from './plans.schemas.ts';

const tags = ['plans'];
const planRef = Type.Ref('Plan');

/** What these routes use of the registry. */
export type PlansRoutesDeps = Pick<Registry, 'plans' | 'userPlans'>;

/** The plan catalogue under /v1/plans and users' plan assignments. */
export async function plansRoutes(fastify: FastifyInstance, { registry }: { registry: PlansRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { plans, userPlans } = registry;

  app.post(
    '/plans',
    {
      config: { scope: 'plans:write', idempotent: true },
      schema: {
        tags,
        operationId: 'createPlan',
        summary: 'Add a plan to the catalogue',
        body: PlanCreateSchema,
        response: { 201: planRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const plan = await plans.createPlan(request.ctx, request.body);
      setEtag(reply, plan.version);
      return reply.code(201).header('location', `/v1/plans/${plan.id}`).send(plan);
    },
  );

  app.get(
    '/plans',
    {
      config: { scope: 'plans:read' },
      schema: {
        tags,
        operationId: 'listPlans',
        summary: 'List the plan catalogue',
        querystring: PlanListQuery,
        response: { 200: PlanPageSchema, ...errorResponses },
      },
    },
    async (request) => plans.listPlans(request.ctx, request.query),
  );

  app.get(
    '/plans/:planId',
    {
      config: { scope: 'plans:read' },
      schema: {
        tags,
        operationId: 'getPlan',
        summary: 'Get a plan by id, external id or number',
        params: PlanParams,
        response: { 200: planRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const plan = await plans.getPlan(request.ctx, request.params.planId);
      setEtag(reply, plan.version);
      return plan;
    },
  );

  app.patch(
    '/plans/:planId',
    {
      config: { scope: 'plans:write' },
      schema: {
        tags,
        operationId: 'updatePlan',
        summary: 'Update a plan (JSON merge patch; If-Match for optimistic locking)',
        params: PlanParams,
        body: PlanPatchSchema,
        response: { 200: planRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const plan = await plans.patchPlan(request.ctx, request.params.planId, request.body, expectedVersion(request));
      setEtag(reply, plan.version);
      return plan;
    },
  );

  app.post(
    '/users/:id/plans',
    {
      config: { scope: 'plans:write', idempotent: true },
      schema: {
        tags,
        operationId: 'assignPlan',
        summary: 'Assign a plan to a user for a period',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: AssignPlanSchema,
        response: { 201: AssignmentSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await userPlans.assignPlan(request.ctx, request.params.id, request.body)),
  );

  app.get(
    '/users/:id/plans',
    {
      config: { scope: 'plans:read' },
      schema: {
        tags,
        operationId: 'listUserPlans',
        summary: 'A user’s plan assignments, active and past',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(AssignmentSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await userPlans.listAssignments(request.ctx, request.params.id, request.query) }),
  );

  app.delete(
    '/users/:id/plans/:assignmentId',
    {
      config: { scope: 'plans:write' },
      schema: {
        tags,
        operationId: 'endPlanAssignment',
        summary: 'End a plan assignment now (kept as history)',
        params: AssignmentParams,
        response: { 200: AssignmentSchema, ...errorResponses },
      },
    },
    async (request) => userPlans.endAssignment(request.ctx, request.params.id, request.params.assignmentId),
  );
}
