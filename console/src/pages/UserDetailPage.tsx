import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { ApiError, type AttributeDefinition, api, apiCall, type RosterEvent, type Session, type User } from '../api.ts';
import { AttributeEditor } from '../components/AttributeEditor.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ConflictView } from '../components/ConflictView.tsx';
import { type ConflictRow, conflictRows, reapplyPatch } from '../components/conflict.ts';
import { commaList, fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import { UserIdentities, UserMemberships } from '../components/UserMemberships.tsx';
import { userRoute } from '../router.tsx';

/** The profile fields the console edits. */
export const PROFILE_FIELDS = ['name', 'firstName', 'lastName', 'email', 'phone', 'externalId', 'country'] as const;
/** The fields the conflict view compares: the profile and the roles. */
const EDITED_FIELDS = [...PROFILE_FIELDS, 'roles'] as const;
type Profile = Record<(typeof PROFILE_FIELDS)[number], string> & { roles: string };

const LABELS: Record<(typeof PROFILE_FIELDS)[number], string> = {
  name: 'Name',
  firstName: 'First name',
  lastName: 'Last name',
  email: 'Email',
  phone: 'Phone',
  externalId: 'External id',
  country: 'Country',
};

function profileOf(user: User): Profile {
  const out = {} as Profile;
  for (const f of PROFILE_FIELDS) out[f] = (user[f] as string | null) ?? '';
  out.roles = user.roles.join(', ');
  return out;
}

/** Empty inputs mean "no value": null in the patch. */
const asPatchValue = (text: string) => (text.trim() === '' ? null : text.trim());

/** The form as the values a patch would send. */
function editedValues(form: Profile): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of PROFILE_FIELDS) out[f] = asPatchValue(form[f]);
  out.roles = commaList(form.roles);
  return out;
}

const show = (value: unknown) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/** One user: profile edit with If-Match and the conflict view, attributes, sessions, timeline, lifecycle actions. */
export function UserDetailPage() {
  const { tenantId, userId } = userRoute.useParams();
  const path = `/tenants/${tenantId}/users/${userId}`;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const user = useQuery({ queryKey: ['user', tenantId, userId], queryFn: () => api.get<User>(path) });
  const definitions = useQuery({
    queryKey: ['attributes', tenantId],
    queryFn: () => api.get<{ data: AttributeDefinition[] }>(`/tenants/${tenantId}/attributes`),
  });
  const sessions = useQuery({ queryKey: ['sessions', tenantId, userId], queryFn: () => api.get<{ data: Session[] }>(`${path}/sessions`) });
  const events = useQuery({
    queryKey: ['events', tenantId, userId],
    queryFn: () => api.get<{ data: RosterEvent[] }>(`/tenants/${tenantId}/events?userId=${userId}&limit=200`),
    refetchInterval: 5_000,
  });

  // The version the operator started editing from: kept until a save succeeds or they discard.
  const [base, setBase] = useState<User | null>(null);
  const [conflict, setConflict] = useState<{ rows: ConflictRow[]; theirs: User } | null>(null);
  const { register, handleSubmit, reset, getValues } = useForm<Profile>();
  useEffect(() => {
    if (user.data && (!base || base.id !== user.data.id)) {
      setBase(user.data);
      reset(profileOf(user.data));
    }
  }, [user.data, base, reset]);

  const refreshAll = (fresh?: User) => {
    if (fresh) queryClient.setQueryData(['user', tenantId, userId], fresh);
    void queryClient.invalidateQueries({ queryKey: ['user', tenantId, userId] });
    void queryClient.invalidateQueries({ queryKey: ['events', tenantId, userId] });
    void queryClient.invalidateQueries({ queryKey: ['sessions', tenantId, userId] });
  };
  const adopt = (fresh: User) => {
    setBase(fresh);
    setConflict(null);
    reset(profileOf(fresh));
    refreshAll(fresh);
  };

  const save = useMutation({
    mutationFn: async (input: { patch: Record<string, unknown>; version: number }) =>
      (await apiCall<User>('PATCH', path, input.patch, { 'if-match': `"${input.version}"` })).data,
    onSuccess: adopt,
    onError: async (error) => {
      if (!(error instanceof ApiError) || error.code !== 'PRECONDITION_FAILED' || !base) return;
      const theirs = await api.get<User>(path);
      const mine = Object.fromEntries(Object.entries(getValues()).map(([k, v]) => [k, asPatchValue(v)]));
      setConflict({
        rows: conflictRows(base as unknown as Record<string, unknown>, mine, theirs as unknown as Record<string, unknown>, PROFILE_FIELDS),
        theirs,
      });
    },
  });

  const onSave = (form: Profile) => {
    if (!base) return;
    const patch: Record<string, unknown> = {};
    const values = editedValues(form);
    for (const f of EDITED_FIELDS) if (JSON.stringify(values[f]) !== JSON.stringify(base[f] ?? null)) patch[f] = values[f];
    save.mutate({ patch, version: base.version });
  };

  const action = useMutation({
    mutationFn: (name: 'deactivate' | 'reactivate' | 'logout') => api.post(`${path}/${name}`),
    onSuccess: (result) => {
      if (result && typeof result === 'object' && 'version' in result) adopt(result as User);
      else refreshAll();
    },
  });
  const revoke = useMutation({
    mutationFn: (sessionId: string) => api.del(`/tenants/${tenantId}/sessions/${sessionId}`),
    onSuccess: () => refreshAll(),
  });
  const attributes = useMutation({
    mutationFn: async (values: Record<string, unknown>) =>
      (await apiCall<User>('PATCH', path, { attributes: values }, { 'if-match': `"${base?.version ?? 0}"` })).data,
    onSuccess: adopt,
  });
  const tenantBrands = useQuery({
    queryKey: ['brands', tenantId],
    queryFn: () => api.get<{ data: { slug: string; name: string }[] }>(`/tenants/${tenantId}/brands`),
  });
  const [joinSlug, setJoinSlug] = useState('');
  const brandChange = useMutation({
    mutationFn: async (change: { join?: string[]; leave?: string[] }) =>
      (await apiCall<User>('POST', `${path}/brands`, change, { 'if-match': `"${base?.version ?? 0}"` })).data,
    onSuccess: (fresh) => {
      setJoinSlug('');
      adopt(fresh);
    },
  });
  const tenantPlans = useQuery({
    queryKey: ['plans', tenantId],
    queryFn: () => api.get<{ data: { id: string; name: string }[] }>(`/tenants/${tenantId}/plans`),
  });
  const assignments = useQuery({
    queryKey: ['assignments', tenantId, userId],
    queryFn: () =>
      api.get<{
        data: { id: string; plan: { name: string }; validFrom: string; validTo: string | null; active: boolean; endedAt: string | null }[];
      }>(`${path}/plans`),
  });
  const [assign, setAssign] = useState({ plan: '', validFrom: '', validTo: '' });
  const planChange = useMutation({
    mutationFn: async (change: { assign?: typeof assign; end?: string }) =>
      (
        await apiCall<User>(
          'POST',
          change.end ? `${path}/plans/${change.end}/end` : `${path}/plans`,
          change.assign
            ? {
                plan: change.assign.plan,
                ...(change.assign.validFrom ? { validFrom: change.assign.validFrom } : {}),
                ...(change.assign.validTo ? { validTo: change.assign.validTo } : {}),
              }
            : {},
          { 'if-match': `"${base?.version ?? 0}"` },
        )
      ).data,
    onSuccess: (fresh) => {
      setAssign({ plan: '', validFrom: '', validTo: '' });
      adopt(fresh);
      void queryClient.invalidateQueries({ queryKey: ['assignments', tenantId, userId] });
    },
  });
  const planErrors = fieldErrorsOf(planChange.error);
  const [password, setPassword] = useState('');
  const setPasswordMutation = useMutation({
    mutationFn: async () => (await apiCall<User>('PATCH', path, { password })).data,
    onSuccess: (fresh) => {
      setPassword('');
      adopt(fresh);
    },
  });
  const erase = useMutation({
    mutationFn: () => api.del(path),
    onSuccess: () => void navigate({ to: '/tenants/$tenantId/users', params: { tenantId } }),
  });

  if (user.isPending) return <p>Loading user…</p>;
  if (user.isError)
    return (
      <p role="alert" className="field-error">
        {user.error.message}
      </p>
    );
  const u = user.data;
  const saveErrors = fieldErrorsOf(save.error);
  const confirmWord = u.email ?? u.id;
  const timeline = [...(events.data?.data ?? [])].reverse();

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-center gap-2">
        <Link to="/tenants/$tenantId/users" params={{ tenantId }} className="navlink">
          ← Users
        </Link>
        <h1 className="text-2xl font-semibold">{u.name ?? u.email ?? u.id}</h1>
        <span data-testid="user-status" className="rounded bg-slate-100 px-2 py-0.5 text-sm dark:bg-slate-800">
          {u.status}
        </span>
        <span className="muted text-sm">version {u.version}</span>
      </div>

      <section className="card" aria-labelledby="profile-title">
        <h2 id="profile-title" className="mb-3 text-lg font-semibold">
          Profile
        </h2>
        {conflict ? (
          <div className="mb-3">
            <ConflictView
              rows={conflict.rows}
              busy={save.isPending}
              onReapply={() => save.mutate({ patch: reapplyPatch(conflict.rows), version: conflict.theirs.version })}
              onDiscard={() => adopt(conflict.theirs)}
            />
          </div>
        ) : null}
        <form onSubmit={handleSubmit(onSave)} noValidate className="grid gap-3 sm:grid-cols-2">
          {PROFILE_FIELDS.map((f) => (
            <div key={f}>
              <label htmlFor={`profile-${f}`} className="label">
                {LABELS[f]}
              </label>
              <input
                id={`profile-${f}`}
                className="input"
                aria-invalid={saveErrors[f] ? true : undefined}
                aria-describedby={saveErrors[f] ? `profile-${f}-error` : undefined}
                {...register(f)}
              />
              {saveErrors[f] ? (
                <p id={`profile-${f}-error`} className="field-error">
                  {saveErrors[f]}
                </p>
              ) : null}
            </div>
          ))}
          <div>
            <label htmlFor="profile-roles" className="label">
              Roles (comma-separated)
            </label>
            <input
              id="profile-roles"
              className="input"
              aria-invalid={saveErrors.roles ? true : undefined}
              aria-describedby={saveErrors.roles ? 'profile-roles-error' : undefined}
              {...register('roles')}
            />
            {saveErrors.roles ? (
              <p id="profile-roles-error" className="field-error">
                {saveErrors.roles}
              </p>
            ) : null}
          </div>
          {messageOf(save.error) && !conflict ? (
            <p role="alert" className="field-error sm:col-span-2">
              {messageOf(save.error)}
            </p>
          ) : null}
          <div className="sm:col-span-2">
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>
              Save profile
            </button>
          </div>
        </form>
      </section>

      <section className="card" aria-labelledby="actions-title">
        <h2 id="actions-title" className="mb-3 text-lg font-semibold">
          Actions
        </h2>
        <div className="flex flex-wrap gap-2">
          {u.status === 'active' ? (
            <button type="button" className="btn btn-danger" onClick={() => action.mutate('deactivate')} disabled={action.isPending}>
              Deactivate
            </button>
          ) : (
            <button type="button" className="btn" onClick={() => action.mutate('reactivate')} disabled={action.isPending}>
              Reactivate
            </button>
          )}
          <button type="button" className="btn" onClick={() => action.mutate('logout')} disabled={action.isPending}>
            Force logout
          </button>
          <ConfirmDialog
            trigger="Erase…"
            title="Erase this user?"
            description="Their personal data is deleted for good; an anonymous tombstone stays."
            confirm="Erase"
            confirmWord={confirmWord}
            inputId="erase-confirm"
            pending={erase.isPending}
            error={messageOf(erase.error)}
            onOpen={erase.reset}
            onConfirm={() => erase.mutateAsync()}
          />
        </div>
        <form
          className="mt-3 flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            setPasswordMutation.mutate();
          }}
        >
          <div>
            <label htmlFor="set-password" className="label">
              Set password
            </label>
            <input
              id="set-password"
              type="password"
              autoComplete="new-password"
              className="input"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <button type="submit" className="btn" disabled={!password || setPasswordMutation.isPending}>
            Set password
          </button>
          {setPasswordMutation.error ? (
            <p className="field-error w-full">
              {Object.values(fieldErrorsOf(setPasswordMutation.error))[0] ?? messageOf(setPasswordMutation.error)}
            </p>
          ) : null}
        </form>
        {messageOf(action.error) ? (
          <p role="alert" className="field-error">
            {messageOf(action.error)}
          </p>
        ) : null}
      </section>

      <section className="card" aria-labelledby="attributes-title">
        <h2 id="attributes-title" className="mb-3 text-lg font-semibold">
          Custom attributes
        </h2>
        {definitions.data ? (
          <AttributeEditor
            key={u.version}
            definitions={definitions.data.data}
            values={u.attributes}
            onSave={(values) => attributes.mutate(values)}
            serverErrors={fieldErrorsOf(attributes.error)}
            busy={attributes.isPending}
          />
        ) : (
          <p>Loading…</p>
        )}
      </section>

      <section className="card" aria-labelledby="brands-title">
        <h2 id="brands-title" className="mb-3 text-lg font-semibold">
          Brands
        </h2>
        {u.brands.length === 0 ? <p className="muted">Not in any brand.</p> : null}
        <ul className="mb-3 grid gap-1" data-testid="user-brands">
          {u.brands.map((b) => (
            <li key={b.slug} className="flex items-center gap-2">
              <code>{b.slug}</code>
              <button type="button" className="btn" onClick={() => brandChange.mutate({ leave: [b.slug] })} aria-label={`Leave ${b.slug}`}>
                Leave
              </button>
            </li>
          ))}
        </ul>
        <div className="flex flex-wrap items-end gap-2">
          <div>
            <label htmlFor="join-brand" className="label">
              Join a brand
            </label>
            <select id="join-brand" className="input" value={joinSlug} onChange={(e) => setJoinSlug(e.target.value)}>
              <option value="">Choose…</option>
              {tenantBrands.data?.data
                .filter((b) => !u.brands.some((m) => m.slug === b.slug))
                .map((b) => (
                  <option key={b.slug} value={b.slug}>
                    {b.name}
                  </option>
                ))}
            </select>
          </div>
          <button
            type="button"
            className="btn"
            disabled={!joinSlug || brandChange.isPending}
            onClick={() => brandChange.mutate({ join: [joinSlug] })}
          >
            Join
          </button>
        </div>
        {messageOf(brandChange.error) ? <p className="field-error">{messageOf(brandChange.error)}</p> : null}
      </section>

      <section className="card" aria-labelledby="plans-title">
        <h2 id="plans-title" className="mb-3 text-lg font-semibold">
          Plans
        </h2>
        {assignments.data && assignments.data.data.length === 0 ? <p className="muted">No plan.</p> : null}
        <ul className="mb-3 grid gap-1" data-testid="user-plans">
          {assignments.data?.data.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center gap-2">
              <span>
                {a.plan.name} · {formatDateTime(a.validFrom)} → {a.validTo ? formatDateTime(a.validTo) : 'open-ended'} ·{' '}
                {a.active ? 'active' : a.endedAt ? 'ended' : 'inactive'}
              </span>
              {a.active ? (
                <button type="button" className="btn" onClick={() => planChange.mutate({ end: a.id })} aria-label={`End ${a.plan.name}`}>
                  End
                </button>
              ) : null}
            </li>
          ))}
        </ul>
        <div className="grid gap-3 sm:grid-cols-4">
          <div>
            <label htmlFor="assign-plan" className="label">
              Assign a plan
            </label>
            <select id="assign-plan" className="input" value={assign.plan} onChange={(e) => setAssign({ ...assign, plan: e.target.value })}>
              <option value="">Choose…</option>
              {tenantPlans.data?.data.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            {planErrors.plan ? <p className="field-error">{planErrors.plan}</p> : null}
          </div>
          <div>
            <label htmlFor="assign-from" className="label">
              From (optional)
            </label>
            <input
              id="assign-from"
              type="date"
              className="input"
              value={assign.validFrom}
              onChange={(e) => setAssign({ ...assign, validFrom: e.target.value })}
            />
            {planErrors.validFrom ? <p className="field-error">{planErrors.validFrom}</p> : null}
          </div>
          <div>
            <label htmlFor="assign-to" className="label">
              Until (optional)
            </label>
            <input
              id="assign-to"
              type="date"
              className="input"
              value={assign.validTo}
              onChange={(e) => setAssign({ ...assign, validTo: e.target.value })}
            />
            {planErrors.validTo ? <p className="field-error">{planErrors.validTo}</p> : null}
          </div>
          <div className="self-end">
            <button
              type="button"
              className="btn"
              disabled={!assign.plan || planChange.isPending}
              onClick={() => planChange.mutate({ assign })}
            >
              Assign
            </button>
          </div>
        </div>
        {messageOf(planChange.error) ? <p className="field-error">{messageOf(planChange.error)}</p> : null}
      </section>

      <UserMemberships tenantId={tenantId} userId={userId} />
      <UserIdentities tenantId={tenantId} userId={userId} />

      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title" className="mb-3 text-lg font-semibold">
          Live sessions
        </h2>
        {sessions.data && sessions.data.data.length === 0 ? <p className="muted">No live session.</p> : null}
        <ul className="grid gap-2" data-testid="sessions">
          {sessions.data?.data.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-2">
              <span>
                {s.method} · {formatDateTime(s.createdAt)} · {s.ip ?? 'no ip'} · {s.userAgent ?? 'no user agent'}
              </span>
              <button
                type="button"
                className="btn"
                onClick={() => revoke.mutate(s.id)}
                aria-label={`Revoke session from ${formatDateTime(s.createdAt)}`}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title" className="mb-3 text-lg font-semibold">
          Timeline
        </h2>
        <ol className="grid gap-2" data-testid="timeline">
          {timeline.map((e) => (
            <li key={e.id} className="border-l-2 border-slate-300 pl-3 dark:border-slate-600">
              <div>
                <strong>{e.type}</strong>{' '}
                <span className="muted text-sm">
                  by {e.actor ?? 'system'} · {formatDateTime(e.createdAt)}
                </span>
              </div>
              {e.changes ? (
                <ul className="text-sm">
                  {Object.entries(e.changes).map(([field, change]) => (
                    <li key={field}>
                      {field}: {show(change.before)} → {show(change.after)}
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
