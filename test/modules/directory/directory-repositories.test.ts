import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIds } from '../../../src/core/ids.ts';
import {
  deleteCompany,
  findCompanyByExternalId,
  findCompanyByIdForUpdate,
  findCompanyByRef,
  insertCompany,
  insertCompanyIfAbsent,
  listCompanies,
  updateCompany,
} from '../../../src/modules/companies/companies.repository.ts';
import {
  deleteMember,
  findMemberForUpdate,
  insertMemberIfAbsent,
  listCompanyMembers,
  listUserMemberships,
  updateMember,
} from '../../../src/modules/companies/company-members.repository.ts';
import {
  findPlanByExternalId,
  findPlanByIdForUpdate,
  findPlanByRef,
  findPlansByIds,
  insertPlan,
  listPlans,
  nextPlanNumber,
  updatePlan,
} from '../../../src/modules/plans/plans.repository.ts';
import {
  endAssignment,
  findAssignmentForUpdate,
  insertAssignment,
  listUserAssignments,
} from '../../../src/modules/plans/user-plans.repository.ts';
import { deleteRole, insertRole, listRoles, removeRoleFromUsers } from '../../../src/modules/roles/roles.repository.ts';
import { insertUser, lockLiveUser } from '../../../src/modules/users/users.repository.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await createTestApp();
  a = await createTenant(t);
  b = await createTenant(t);
});
afterAll(() => t.close());

const newCompany = (externalId: string) => ({
  id: randomIds.uuid(),
  external_id: externalId,
  name: externalId,
  domain: null,
  attributes: {},
  created_at: new Date(),
});

async function newUser(tenantId: string, email: string) {
  return insertUser(t.registry.db, tenantId, {
    id: randomIds.uuid(),
    email,
    roles: ['curator'],
    links: {},
    consents: {},
    attributes: {},
    search_text: '',
    created_at: new Date(),
  });
}

describe('directory repositories are tenant-scoped', () => {
  it('companies and memberships', async () => {
    const db = t.registry.db;
    const company = await insertCompany(db, a.id, newCompany('repo-co'));
    const user = await newUser(a.id, 'repo-member@example.com');
    expect(await lockLiveUser(db, a.id, user.id)).toBe(true);
    expect(await lockLiveUser(db, b.id, user.id)).toBe(false);
    for (const ref of [company.id, 'repo-co']) {
      expect((await findCompanyByRef(db, a.id, ref))?.id).toBe(company.id);
      expect(await findCompanyByRef(db, b.id, ref)).toBeUndefined();
    }
    expect(await findCompanyByExternalId(db, b.id, 'repo-co')).toBeUndefined();
    expect(await findCompanyByIdForUpdate(db, b.id, company.id)).toBeUndefined();
    expect(await updateCompany(db, b.id, company.id, { name: 'Stolen' }, new Date())).toBeUndefined();
    expect(await listCompanies(db, b.id, {}, null, 10)).toEqual([]);
    // The same external id is free in another tenant, taken in this one.
    expect(await insertCompanyIfAbsent(db, b.id, newCompany('repo-co'))).toBeDefined();
    expect(await insertCompanyIfAbsent(db, a.id, newCompany('repo-co'))).toBeUndefined();

    const member = { companyId: company.id, userId: user.id, role: 'employee', title: null, now: new Date() };
    expect(await insertMemberIfAbsent(db, a.id, member)).toBeDefined();
    expect(await insertMemberIfAbsent(db, a.id, member)).toBeUndefined();
    expect(await findMemberForUpdate(db, b.id, company.id, user.id)).toBeUndefined();
    expect(await updateMember(db, b.id, company.id, user.id, { role: 'owner' }, new Date())).toBeUndefined();
    expect(await listCompanyMembers(db, b.id, company.id, null, 10)).toEqual([]);
    expect(await listUserMemberships(db, b.id, user.id)).toEqual([]);
    expect(await deleteMember(db, b.id, company.id, user.id)).toBeUndefined();
    expect(await deleteCompany(db, b.id, company.id)).toBeNull();
    expect((await listCompanyMembers(db, a.id, company.id, null, 10)).map((m) => [m.id, m.member.role])).toEqual([[user.id, 'employee']]);
    expect(await deleteCompany(db, a.id, company.id)).toBe(1);
  });

  it('plans, numbers and assignments', async () => {
    const db = t.registry.db;
    const number = await nextPlanNumber(db, a.id);
    const plan = await insertPlan(db, a.id, {
      id: randomIds.uuid(),
      number,
      external_id: 'repo-plan',
      name: 'P',
      default_duration: null,
      created_at: new Date(),
    });
    for (const ref of [plan.id, 'repo-plan', number, String(number)]) {
      expect((await findPlanByRef(db, a.id, ref))?.id).toBe(plan.id);
      expect(await findPlanByRef(db, b.id, ref)).toBeUndefined();
    }
    expect(await findPlanByExternalId(db, b.id, 'repo-plan')).toBeUndefined();
    expect(await findPlanByIdForUpdate(db, b.id, plan.id)).toBeUndefined();
    expect(await findPlansByIds(db, b.id, [plan.id])).toEqual([]);
    expect(await updatePlan(db, b.id, plan.id, { name: 'Stolen' }, new Date())).toBeUndefined();
    expect(await listPlans(db, b.id, {}, null, 10)).toEqual([]);
    expect(await nextPlanNumber(db, b.id)).toBe(1);

    const user = await newUser(a.id, 'repo-plan@example.com');
    const assignment = await insertAssignment(db, a.id, {
      id: randomIds.uuid(),
      userId: user.id,
      planId: plan.id,
      validFrom: new Date(),
      validTo: null,
      createdAt: new Date(),
    });
    expect(await listUserAssignments(db, b.id, user.id)).toEqual([]);
    expect(await findAssignmentForUpdate(db, b.id, user.id, assignment.id)).toBeUndefined();
    await expect(endAssignment(db, b.id, assignment.id, new Date())).rejects.toThrow();
    expect((await listUserAssignments(db, a.id, user.id))[0].ended_at).toBeNull();
  });

  it('roles', async () => {
    const db = t.registry.db;
    await insertRole(db, { tenant_id: a.id, name: 'curator', description: null, created_at: new Date() });
    const holder = await newUser(a.id, 'repo-curator@example.com');
    const elsewhere = await newUser(b.id, 'repo-curator@example.com');
    expect(await listRoles(db, b.id)).toEqual([]);
    expect(await deleteRole(db, b.id, 'curator')).toBe(false);
    const changed = await removeRoleFromUsers(db, a.id, 'curator', new Date());
    expect(changed).toEqual(expect.arrayContaining([{ id: holder.id, roles: [] }]));
    expect(changed.map((u) => u.id)).not.toContain(elsewhere.id);
    const untouched = await db.selectFrom('users').select('roles').where('id', '=', elsewhere.id).executeTakeFirstOrThrow();
    expect(untouched.roles).toEqual(['curator']);
  });
});
