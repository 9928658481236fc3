import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../api.ts';
import { Field, FormError } from './Field.tsx';
import { fieldErrorsOf, formatDateTime, messageOf } from './forms.ts';

interface UserGroup {
  group: { id: string; displayName: string };
  joinedAt: string;
}

interface Membership {
  company: { id: string; name: string };
  role: string | null;
  title: string | null;
}

/** A user's groups and companies: listed, joined and left (each one membership call, with its event). */
export function UserMemberships(props: { tenantId: string; userId: string }) {
  const { tenantId, userId } = props;
  const path = `/tenants/${tenantId}/users/${userId}`;
  const queryClient = useQueryClient();
  const userGroups = useQuery({
    queryKey: ['user-groups', tenantId, userId],
    queryFn: () => api.get<{ data: UserGroup[] }>(`${path}/groups`),
  });
  const userCompanies = useQuery({
    queryKey: ['user-companies', tenantId, userId],
    queryFn: () => api.get<{ data: Membership[] }>(`${path}/companies`),
  });
  const groups = useQuery({
    queryKey: ['groups', tenantId],
    queryFn: () => api.get<{ data: { id: string; displayName: string }[] }>(`/tenants/${tenantId}/groups`),
  });
  const companies = useQuery({
    queryKey: ['companies', tenantId],
    queryFn: () => api.get<{ data: { id: string; name: string }[] }>(`/tenants/${tenantId}/companies`),
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['user-groups', tenantId, userId] });
    void queryClient.invalidateQueries({ queryKey: ['user-companies', tenantId, userId] });
    void queryClient.invalidateQueries({ queryKey: ['groups', tenantId] });
    void queryClient.invalidateQueries({ queryKey: ['events', tenantId, userId] });
  };
  const [groupId, setGroupId] = useState('');
  const groupChange = useMutation({
    mutationFn: (c: { join: string } | { leave: string }) =>
      'join' in c
        ? api.put(`/tenants/${tenantId}/groups/${c.join}/members/${userId}`)
        : api.del(`/tenants/${tenantId}/groups/${c.leave}/members/${userId}`),
    onSuccess: () => {
      setGroupId('');
      refresh();
    },
  });
  const [company, setCompany] = useState({ id: '', role: '', title: '' });
  const companyChange = useMutation({
    mutationFn: (c: { join: typeof company } | { leave: string }) =>
      'join' in c
        ? api.put(`${path}/companies/${c.join.id}`, { role: c.join.role || null, title: c.join.title || null })
        : api.del(`${path}/companies/${c.leave}`),
    onSuccess: () => {
      setCompany({ id: '', role: '', title: '' });
      refresh();
    },
  });
  const companyErrors = fieldErrorsOf(companyChange.error);
  const inGroups = new Set(userGroups.data?.data.map((g) => g.group.id));

  return (
    <section className="card grid gap-3" aria-labelledby="memberships-title">
      <h2 id="memberships-title" className="text-lg font-semibold">
        Groups and companies
      </h2>
      <ul className="grid gap-1" data-testid="user-groups">
        {userGroups.data?.data.length === 0 ? <li className="muted">In no group.</li> : null}
        {userGroups.data?.data.map((g) => (
          <li key={g.group.id} className="flex flex-wrap items-center gap-2">
            <Link
              to="/tenants/$tenantId/groups/$groupId"
              params={{ tenantId, groupId: g.group.id }}
              className="text-blue-700 underline dark:text-blue-300"
            >
              {g.group.displayName}
            </Link>
            <button
              type="button"
              className="btn"
              aria-label={`Leave group ${g.group.displayName}`}
              onClick={() => groupChange.mutate({ leave: g.group.id })}
            >
              Leave
            </button>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-end gap-2">
        <Field id="user-join-group" label="Add to a group">
          <select id="user-join-group" className="input" value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">Choose…</option>
            {groups.data?.data
              .filter((g) => !inGroups.has(g.id))
              .map((g) => (
                <option key={g.id} value={g.id}>
                  {g.displayName}
                </option>
              ))}
          </select>
        </Field>
        <button
          type="button"
          className="btn"
          disabled={!groupId || groupChange.isPending}
          onClick={() => groupChange.mutate({ join: groupId })}
        >
          Add to group
        </button>
      </div>
      <FormError message={messageOf(groupChange.error)} />
      <ul className="grid gap-1" data-testid="user-companies">
        {userCompanies.data?.data.length === 0 ? <li className="muted">In no company.</li> : null}
        {userCompanies.data?.data.map((m) => (
          <li key={m.company.id} className="flex flex-wrap items-center gap-2">
            <span>
              {m.company.name}
              {m.role ? ` · ${m.role}` : ''}
              {m.title ? ` · ${m.title}` : ''}
            </span>
            <button
              type="button"
              className="btn"
              aria-label={`Leave company ${m.company.name}`}
              onClick={() => companyChange.mutate({ leave: m.company.id })}
            >
              Leave
            </button>
          </li>
        ))}
      </ul>
      <div className="grid gap-3 sm:grid-cols-4">
        <Field id="user-join-company" label="Join a company">
          <select
            id="user-join-company"
            className="input"
            value={company.id}
            onChange={(e) => setCompany({ ...company, id: e.target.value })}
          >
            <option value="">Choose…</option>
            {companies.data?.data.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="user-company-role" label="Role in the company (optional)" error={companyErrors.role}>
          <input
            id="user-company-role"
            className="input"
            value={company.role}
            onChange={(e) => setCompany({ ...company, role: e.target.value })}
          />
        </Field>
        <Field id="user-company-title" label="Job title (optional)" error={companyErrors.title}>
          <input
            id="user-company-title"
            className="input"
            value={company.title}
            onChange={(e) => setCompany({ ...company, title: e.target.value })}
          />
        </Field>
        <div className="self-end">
          <button
            type="button"
            className="btn"
            disabled={!company.id || companyChange.isPending}
            onClick={() => companyChange.mutate({ join: company })}
          >
            Join company
          </button>
        </div>
      </div>
      <FormError message={messageOf(companyChange.error)} />
    </section>
  );
}

/** The user's links to upstream identity providers (made by lookups that found the user there). */
export function UserIdentities(props: { tenantId: string; userId: string }) {
  const identities = useQuery({
    queryKey: ['user-identities', props.tenantId, props.userId],
    queryFn: () =>
      api.get<{ data: { provider: string; type: string; subject: string; linkedAt: string }[] }>(
        `/tenants/${props.tenantId}/users/${props.userId}/identities`,
      ),
  });
  return (
    <section className="card" aria-labelledby="identities-title">
      <h2 id="identities-title" className="mb-3 text-lg font-semibold">
        Identities from providers
      </h2>
      <FormError message={messageOf(identities.error)} />
      {identities.isPending ? <p>Loading…</p> : null}
      {identities.data?.data.length === 0 ? <p className="muted">Not linked to any provider.</p> : null}
      <ul className="grid gap-1" data-testid="user-identities">
        {identities.data?.data.map((i) => (
          <li key={`${i.provider}-${i.subject}`}>
            {i.provider} ({i.type}) · <code>{i.subject}</code> · linked {formatDateTime(i.linkedAt)}
          </li>
        ))}
      </ul>
    </section>
  );
}
