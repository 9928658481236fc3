/** `roster.companies`, `roster.plans`, `roster.roles`: the tenant's catalogues and users' memberships in them. */
import { type RequestOptions, seg, type Transport } from '../http.ts';
import { PagedList } from '../pagination.ts';
import type { Company, Plan, QueryOf, RequestBody, ResponseBody, Role } from '../types.ts';

export class Companies {
  constructor(private readonly http: Transport) {}
  /** Creates a company. @throws RosterError COMPANY_EXTERNAL_ID_TAKEN, VALIDATION_FAILED */
  async create(input: RequestBody<'createCompany'>, options?: RequestOptions): Promise<Company> {
    return (await this.http.send<Company>({ method: 'POST', path: '/v1/companies', body: input, options })).data;
  }
  /** A company by id or external id. @throws RosterError COMPANY_NOT_FOUND */
  async get(id: string, options?: RequestOptions): Promise<Company> {
    return (await this.http.send<Company>({ method: 'GET', path: `/v1/companies/${seg(id)}`, options })).data;
  }
  /** Every company, page by page. */
  list(query: Omit<QueryOf<'listCompanies'>, 'cursor'> = {}, options?: RequestOptions): PagedList<Company> {
    return new PagedList(
      async (cursor) =>
        (await this.http.send<ResponseBody<'listCompanies'>>({ method: 'GET', path: '/v1/companies', query: { ...query, cursor }, options })).data,
    );
  }
  /** Merge-patches a company. @throws RosterError COMPANY_NOT_FOUND, PRECONDITION_FAILED */
  async update(id: string, patch: RequestBody<'updateCompany'>, options?: RequestOptions): Promise<Company> {
    return (await this.http.send<Company>({ method: 'PATCH', path: `/v1/companies/${seg(id)}`, body: patch, options })).data;
  }
  /** Deletes a company and its memberships. */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/companies/${seg(id)}`, options });
  }
  /** Adds a user to a company (or updates the membership). */
  async addMember(companyId: string, userId: string, input: RequestBody<'addUserToCompany'> = {}, options?: RequestOptions) {
    const path = `/v1/users/${seg(userId)}/companies/${seg(companyId)}`;
    return (await this.http.send<ResponseBody<'addUserToCompany'>>({ method: 'PUT', path, body: input, options })).data;
  }
  /** Removes a user from a company (idempotent). */
  async removeMember(companyId: string, userId: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/users/${seg(userId)}/companies/${seg(companyId)}`, options });
  }
}

export class Plans {
  constructor(private readonly http: Transport) {}
  /** Adds a plan to the catalogue. */
  async create(input: RequestBody<'createPlan'>, options?: RequestOptions): Promise<Plan> {
    return (await this.http.send<Plan>({ method: 'POST', path: '/v1/plans', body: input, options })).data;
  }
  /** A plan by id, external id or number. @throws RosterError PLAN_NOT_FOUND */
  async get(id: string | number, options?: RequestOptions): Promise<Plan> {
    return (await this.http.send<Plan>({ method: 'GET', path: `/v1/plans/${seg(id)}`, options })).data;
  }
  /** The whole catalogue, page by page. */
  list(options?: RequestOptions): PagedList<Plan> {
    return new PagedList(
      async (cursor) => (await this.http.send<ResponseBody<'listPlans'>>({ method: 'GET', path: '/v1/plans', query: { cursor }, options })).data,
    );
  }
  /** Assigns a plan to a user for a period. */
  async assign(userId: string, input: RequestBody<'assignPlan'>, options?: RequestOptions) {
    return (await this.http.send<ResponseBody<'assignPlan', 201>>({ method: 'POST', path: `/v1/users/${seg(userId)}/plans`, body: input, options })).data;
  }
  /** A user's plan assignments, active and past. */
  async ofUser(userId: string, options?: RequestOptions) {
    return (await this.http.send<ResponseBody<'listUserPlans'>>({ method: 'GET', path: `/v1/users/${seg(userId)}/plans`, options })).data;
  }
}

export class Roles {
  constructor(private readonly http: Transport) {}
  /** Every role, built-in ones first. */
  async list(options?: RequestOptions): Promise<Role[]> {
    return (await this.http.send<ResponseBody<'listRoles'>>({ method: 'GET', path: '/v1/roles', options })).data.data;
  }
  /** Defines a role. @throws RosterError ROLE_EXISTS */
  async create(input: RequestBody<'createRole'>, options?: RequestOptions): Promise<ResponseBody<'createRole', 201>> {
    return (await this.http.send<ResponseBody<'createRole', 201>>({ method: 'POST', path: '/v1/roles', body: input, options })).data;
  }
  /** Deletes a role; users holding it lose it. @throws RosterError ROLE_BUILT_IN, ROLE_NOT_FOUND */
  async delete(name: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/roles/${seg(name)}`, options });
  }
}
