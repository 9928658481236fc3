/** `RosterAdmin`'s namespaces: platform administration under /v1/admin (admin token). */
import { type RequestOptions, seg, type Transport } from '../http.ts';
import { PagedList } from '../pagination.ts';
import type { RequestBody, ResponseBody, Tenant } from '../types.ts';

export class Tenants {
  constructor(private readonly http: Transport) {}
  /** Creates a tenant. @throws RosterError TENANT_SLUG_TAKEN, TENANT_HOST_TAKEN */
  async create(input: RequestBody<'createTenant'>, options?: RequestOptions): Promise<ResponseBody<'createTenant', 201>> {
    return (await this.http.send<ResponseBody<'createTenant', 201>>({ method: 'POST', path: '/v1/admin/tenants', body: input, options })).data;
  }
  /** A tenant by id or slug. @throws RosterError TENANT_NOT_FOUND */
  async get(id: string, options?: RequestOptions): Promise<Tenant> {
    return (await this.http.send<Tenant>({ method: 'GET', path: `/v1/admin/tenants/${seg(id)}`, options })).data;
  }
  /** Every tenant, page by page. */
  list(options?: RequestOptions): PagedList<Tenant> {
    return new PagedList(
      async (cursor) => (await this.http.send<ResponseBody<'listTenants'>>({ method: 'GET', path: '/v1/admin/tenants', query: { cursor }, options })).data,
    );
  }
  /** Creates a brand in a tenant. */
  async createBrand(tenant: string, input: RequestBody<'createBrand'>, options?: RequestOptions) {
    const path = `/v1/admin/tenants/${seg(tenant)}/brands`;
    return (await this.http.send<ResponseBody<'createBrand', 201>>({ method: 'POST', path, body: input, options })).data;
  }
}

export class ApiKeys {
  constructor(private readonly http: Transport) {}
  /** Creates an API key; its `secret` is in this answer only. */
  async create(tenant: string, input: RequestBody<'createApiKey'>, options?: RequestOptions): Promise<ResponseBody<'createApiKey', 201>> {
    const path = `/v1/admin/tenants/${seg(tenant)}/keys`;
    return (await this.http.send<ResponseBody<'createApiKey', 201>>({ method: 'POST', path, body: input, options })).data;
  }
  /** A tenant's keys (never their secrets). */
  async list(tenant: string, options?: RequestOptions): Promise<ResponseBody<'listApiKeys'>['data']> {
    return (await this.http.send<ResponseBody<'listApiKeys'>>({ method: 'GET', path: `/v1/admin/tenants/${seg(tenant)}/keys`, options })).data.data;
  }
  /** Revokes a key. @throws RosterError API_KEY_NOT_FOUND */
  async revoke(tenant: string, keyId: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/admin/tenants/${seg(tenant)}/keys/${seg(keyId)}`, options });
  }
}
