import type { TestApp, TestTenant } from '../../helpers/app.ts';

/** Creates a group through POST /v1/groups; fails the test on any other answer than 201. */
export async function createGroup(t: TestApp, tenant: TestTenant, body: Record<string, unknown>): Promise<any> {
  const res = await t.call({ method: 'POST', url: '/v1/groups', headers: tenant.auth, payload: body });
  if (res.statusCode !== 201) throw new Error(`group create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export function addMember(t: TestApp, tenant: TestTenant, groupId: string, userId: string) {
  return t.call({ method: 'PUT', url: `/v1/groups/${groupId}/members/${userId}`, headers: tenant.auth });
}

export function removeMember(t: TestApp, tenant: TestTenant, groupId: string, userId: string) {
  return t.call({ method: 'DELETE', url: `/v1/groups/${groupId}/members/${userId}`, headers: tenant.auth });
}
