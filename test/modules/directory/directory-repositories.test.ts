import { describe, expect, it } from 'vitest';
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
import { lockLiveUser } from '../../../src/modules/users/users.repository.ts';
import { insertUserRow, withTwoTenants } from '../../helpers/two-tenants.ts';

const env = withTwoTenants();

const newCompany = (externalId: string) => ({
  id: randomIds.uuid(),
  external_id: externalId,
  name: externalId,
  domain: null,
  attributes: {},
  created_at: new Date(),
});

function newUser(tenantId: string, email: string) {
  return insertUserRow(env.t, tenantId, { email, roles: ['curator'] });
}

describe('directory repositories are tenant-scoped', () => {
  it('companies and memberships', async () => {
    const db = env.t.registry.db;
    const company = await insertCompany(db, env.a.id, newCompany('repo-co'));
    const user = await newUser(env.a.id, 'repo-member@example.com');
    expect(await lockLiveUser(db, env.a.id, user.id)).toBe(true);
    expect(await lockLiveUser(db, env.b.id, user.id)).toBe(false);
    for (const ref of [company.id, 'repo-co']) {
      expect((await findCompanyByRef(db, env.a.id, ref))?.id).toBe(company.id);
      expect(await findCompanyByRef(db, env.b.id, ref)).toBeUndefined();
    }
    expect(await findCompanyByExternalId(db, env.b.id, 'repo-co')).toBeUndefined();
    expect(await findCompanyByIdForUpdate(db, env.b.id, company.id)).toBeUndefined();
    expect(await updateCompany(db, env.b.id, company.id, { name: 'Stolen' }, new Date())).toBeUndefined();
    expect(await listCompanies(db, env.b.id, {}, null, 10)).toEqual([]);
    // The same external id is free in another tenant, taken in this one.
    expect(await insertCompanyIfAbsent(db, env.b.id, newCompany('repo-co'))).toBeDefined();
    expect(await insertCompanyIfAbsent(db, env.a.id, newCompany('repo-co'))).toBeUndefined();

    const member = { companyId: company.id, userId: user.id, role: 'employee', title: null, now: new Date() };
    expect(await insertMemberIfAbsent(db, env.a.id, member)).toBeDefined();
    expect(await insertMemberIfAbsent(db, env.a.id, member)).toBeUndefined();
    expect(await findMemberForUpdate(db, env.b.id, company.id, user.id)).toBeUndefined();
    expect(await updateMember(db, env.b.id, company.id, user.id, { role: 'owner' }, new Date())).toBeUndefined();
    expect(await listCompanyMembers(db, env.b.id, company.id, null, 10)).toEqual([]);
    expect(await listUserMemberships(db, env.b.id, user.id)).toEqual([]);
    expect(await deleteMember(db, env.b.id, company.id, user.id)).toBeUndefined();
    expect(await deleteCompany(db, env.b.id, company.id)).toBeNull();
    expect((await listCompanyMembers(db, env.a.id, company.id, null, 10)).map((m) => [m.id, m.member.role])).toEqual([
      [user.id, 'employee'],
    ]);
    expect(await deleteCompany(db, env.a.id, company.id)).toBe(1);
  });

  it('plans, numbers and assignments', async () => {
    const db = env.t.registry.db;
    const number = await nextPlanNumber(db, env.a.id);
    const plan = await insertPlan(db, env.a.id, {
      id: randomIds.uuid(),
      number,
      external_id: 'repo-plan',
      name: 'P',
      default_duration: null,
      created_at: new Date(),
    });
    for (const ref of [plan.id, 'repo-plan', number, String(number)]) {
      expect((await findPlanByRef(db, env.a.id, ref))?.id).toBe(plan.id);
      expect(await findPlanByRef(db, env.b.id, ref)).toBeUndefined();
    }
    expect(await findPlanByExternalId(db, env.b.id, 'repo-plan')).toBeUndefined();
    expect(await findPlanByIdForUpdate(db, env.b.id, plan.id)).toBeUndefined();
    expect(await findPlansByIds(db, env.b.id, [plan.id])).toEqual([]);
    expect(await updatePlan(db, env.b.id, plan.id, { name: 'Stolen' }, new Date())).toBeUndefined();
    expect(await listPlans(db, env.b.id, {}, null, 10)).toEqual([]);
    expect(await nextPlanNumber(db, env.b.id)).toBe(1);

    const user = await newUser(env.a.id, 'repo-plan@example.com');
    const assignment = await insertAssignment(db, env.a.id, {
      id: randomIds.uuid(),
      userId: user.id,
      planId: plan.id,
      validFrom: new Date(),
      validTo: null,
      createdAt: new Date(),
    });
    expect(await listUserAssignments(db, env.b.id, user.id)).toEqual([]);
    expect(await findAssignmentForUpdate(db, env.b.id, user.id, assignment.id)).toBeUndefined();
    await expect(endAssignment(db, env.b.id, assignment.id, new Date())).rejects.toThrow();
    expect((await listUserAssignments(db, env.a.id, user.id))[0].ended_at).toBeNull();
  });

  it('roles', async () => {
    const db = env.t.registry.db;
    await insertRole(db, { tenant_id: env.a.id, name: 'curator', description: null, created_at: new Date() });
    const holder = await newUser(env.a.id, 'repo-curator@example.com');
    const elsewhere = await newUser(env.b.id, 'repo-curator@example.com');
    expect(await listRoles(db, env.b.id)).toEqual([]);
    expect(await deleteRole(db, env.b.id, 'curator')).toBe(false);
    const changed = await removeRoleFromUsers(db, env.a.id, 'curator', new Date());
    expect(changed).toEqual(expect.arrayContaining([{ id: holder.id, roles: [] }]));
    expect(changed.map((u) => u.id)).not.toContain(elsewhere.id);
    const untouched = await db.selectFrom('users').select('roles').where('id', '=', elsewhere.id).executeTakeFirstOrThrow();
    expect(untouched.roles).toEqual(['curator']);
  });
});
