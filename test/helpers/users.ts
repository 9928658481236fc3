import { adminAuth, type TestApp, type TestTenant } from './app.ts';

/** Creates a user through POST /v1/users and returns it; fails the test on any other answer than 201. */
export async function createUser(t: TestApp, tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const res = await t.call({ method: 'POST', url: '/v1/users', headers: tenant.auth, payload: body });
  if (res.statusCode !== 201) throw new Error(`user create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** The tenant's events, oldest first, filtered like GET /v1/events. */
export async function listEvents(t: TestApp, tenant: TestTenant, query: { type?: string; userId?: string } = {}): Promise<any[]> {
  const res = await t.call({ method: 'GET', url: '/v1/events', headers: tenant.auth, query: { ...query, limit: '200' } });
  if (res.statusCode !== 200) throw new Error(`events failed: ${res.statusCode} ${res.body}`);
  return res.json().data;
}

/** Creates a brand in a tenant through the admin API. */
export async function createBrand(t: TestApp, tenant: TestTenant, slug: string, name = `Brand ${slug}`): Promise<any> {
  const res = await t.call({ method: 'POST', url: `/v1/admin/tenants/${tenant.id}/brands`, headers: adminAuth(), payload: { slug, name } });
  if (res.statusCode !== 201) throw new Error(`brand create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Defines a custom attribute through POST /v1/attribute-definitions. */
export async function defineAttribute(t: TestApp, tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const res = await t.call({ method: 'POST', url: '/v1/attribute-definitions', headers: tenant.auth, payload: body });
  if (res.statusCode !== 201) throw new Error(`attribute define failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Field names of a problem document's `errors`. */
export function fieldsOf(res: { json: () => any }): string[] {
  return (res.json().errors ?? []).map((e: { field: string }) => e.field);
}
