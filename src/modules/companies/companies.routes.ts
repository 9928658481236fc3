import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { bodyOptional, errorResponses, PageQuery } from '../../core/schemas.ts';
import { expectedVersion, setEtag } from '../../http/etag.ts';
import type { Registry } from '../../registry.ts';
import {
  CompanyCreateSchema,
  CompanyListQuery,
  CompanyPageSchema,
  CompanyParams,
  CompanyPatchSchema,
  MemberPageSchema,
  MembershipInputSchema,
  MembershipParams,
  MembershipResultSchema,
  MembershipSchema,
} from './companies.schemas.ts';

const tags = ['companies'];
const companyRef = Type.Ref('Company');

/** What these routes use of the registry. */
export type CompaniesRoutesDeps = Pick<Registry, 'companies' | 'companyMembers'>;

/** Companies under /v1/companies and users' memberships of them. */
export async function companiesRoutes(fastify: FastifyInstance, { registry }: { registry: CompaniesRoutesDeps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { companies, companyMembers } = registry;

  app.post(
    '/companies',
    {
      config: { scope: 'companies:write', idempotent: true },
      schema: {
        tags,
        operationId: 'createCompany',
        summary: 'Create a company',
        body: CompanyCreateSchema,
        response: { 201: companyRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const company = await companies.createCompany(request.ctx, request.body);
      setEtag(reply, company.version);
      return reply.code(201).header('location', `/v1/companies/${company.id}`).send(company);
    },
  );

  app.get(
    '/companies',
    {
      config: { scope: 'companies:read' },
      schema: {
        tags,
        operationId: 'listCompanies',
        summary: 'List companies',
        querystring: CompanyListQuery,
        response: { 200: CompanyPageSchema, ...errorResponses },
      },
    },
    async (request) => companies.listCompanies(request.ctx, request.query),
  );

  app.get(
    '/companies/:companyId',
    {
      config: { scope: 'companies:read' },
      schema: {
        tags,
        operationId: 'getCompany',
        summary: 'Get a company by id or external id',
        params: CompanyParams,
        response: { 200: companyRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const company = await companies.getCompany(request.ctx, request.params.companyId);
      setEtag(reply, company.version);
      return company;
    },
  );

  app.patch(
    '/companies/:companyId',
    {
      config: { scope: 'companies:write' },
      schema: {
        tags,
        operationId: 'updateCompany',
        summary: 'Update a company (JSON merge patch; If-Match for optimistic locking)',
        params: CompanyParams,
        body: CompanyPatchSchema,
        response: { 200: companyRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const company = await companies.patchCompany(request.ctx, request.params.companyId, request.body, expectedVersion(request));
      setEtag(reply, company.version);
      return company;
    },
  );

  app.delete(
    '/companies/:companyId',
    {
      config: { scope: 'companies:write' },
      schema: {
        tags,
        operationId: 'deleteCompany',
        summary: 'Delete a company and its memberships',
        params: CompanyParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await companies.deleteCompany(request.ctx, request.params.companyId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/companies/:companyId/members',
    {
      config: { scope: 'companies:read' },
      schema: {
        tags,
        operationId: 'listCompanyMembers',
        summary: 'List a company’s members, oldest membership first',
        params: CompanyParams,
        querystring: PageQuery,
        response: { 200: MemberPageSchema, ...errorResponses },
      },
    },
    async (request) => companyMembers.listMembers(request.ctx, request.params.companyId, request.query),
  );

  app.put(
    '/users/:id/companies/:companyId',
    {
      config: { scope: 'companies:write' },
      preValidation: bodyOptional,
      schema: {
        tags,
        operationId: 'addUserToCompany',
        summary: 'Add a user to a company, or update the membership’s role and title',
        params: MembershipParams,
        body: MembershipInputSchema,
        response: { 200: MembershipResultSchema, 201: MembershipResultSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await companyMembers.upsertMembership(request.ctx, request.params.id, request.params.companyId, request.body);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.delete(
    '/users/:id/companies/:companyId',
    {
      config: { scope: 'companies:write' },
      schema: {
        tags,
        operationId: 'removeUserFromCompany',
        summary: 'Remove a user from a company (idempotent)',
        params: MembershipParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await companyMembers.removeMembership(request.ctx, request.params.id, request.params.companyId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/users/:id/companies',
    {
      config: { scope: 'companies:read' },
      schema: {
        tags,
        operationId: 'listUserCompanies',
        summary: 'List the companies a user belongs to',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ data: Type.Array(MembershipSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: await companyMembers.listUserMemberships(request.ctx, request.params.id) }),
  );
}
