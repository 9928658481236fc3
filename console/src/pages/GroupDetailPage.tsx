import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import type { LegacyColumnDef } from '@tanstack/react-table/legacy';
import { useEffect, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { ApiError, api, apiCall, type User, type UserPage } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError } from '../components/Field.tsx';
import { commaList, fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import { GroupFields, type GroupFormValues } from '../components/GroupFields.tsx';
import type { Group } from './GroupsPage.tsx';

interface Member {
  userId: string;
  user: User;
  joinedAt: string;
}

const fieldsOf = (g: Group): GroupFormValues => ({ displayName: g.displayName, externalId: g.externalId ?? '', roles: g.roles.join(', ') });

/**
 * One group: its name, external id and roles edited (with If-Match: a change made meanwhile is refused, not
 * overwritten), its members added by email (or user id) and removed, and the group deleted.
 */
export function GroupDetailPage() {
  const { tenantId, groupId } = useParams({ from: '/tenants/$tenantId/groups/$groupId' });
  const queryClient = useQueryClient();
  const group = useQuery({
    queryKey: ['group', tenantId, groupId],
    queryFn: () => api.get<Group>(`/tenants/${tenantId}/groups/${groupId}`),
  });
  const members = useQuery({
    queryKey: ['group-members', tenantId, groupId],
    queryFn: () => api.get<{ data: Member[]; nextCursor: string | null }>(`/tenants/${tenantId}/groups/${groupId}/members`),
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['group-members', tenantId, groupId] });
    void queryClient.invalidateQueries({ queryKey: ['group', tenantId, groupId] });
    void queryClient.invalidateQueries({ queryKey: ['groups', tenantId] });
  };
  const form = useForm<GroupFormValues>({ defaultValues: { displayName: '', externalId: '', roles: '' } });
  const loaded = group.data;
  // The form shows the group as last read: on load, and after a save answers the new version.
  useEffect(() => {
    if (loaded) form.reset(fieldsOf(loaded));
  }, [loaded, form.reset]);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async (f: GroupFormValues) => {
      if (!loaded) throw new Error('The group is not loaded');
      const body = { displayName: f.displayName.trim(), externalId: f.externalId.trim() || null, roles: commaList(f.roles) };
      const headers = { 'if-match': `"${loaded.version}"` };
      return (await apiCall<Group>('PATCH', `/tenants/${tenantId}/groups/${groupId}`, body, headers)).data;
    },
    onMutate: () => setSaved(null),
    // Changed meanwhile: read the group again, so the form shows what it is now and the next save can apply.
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) void queryClient.invalidateQueries({ queryKey: ['group', tenantId, groupId] });
    },
    onSuccess: (fresh) => {
      queryClient.setQueryData(['group', tenantId, groupId], fresh);
      void queryClient.invalidateQueries({ queryKey: ['groups', tenantId] });
      setSaved('Group saved.');
    },
  });
  const stale = save.error instanceof ApiError && save.error.status === 412;
  const navigate = useNavigate();
  const removeGroup = useMutation({
    mutationFn: () => api.del(`/tenants/${tenantId}/groups/${groupId}`),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['group', tenantId, groupId] });
      void queryClient.invalidateQueries({ queryKey: ['groups', tenantId] });
      void navigate({ to: '/tenants/$tenantId/groups', params: { tenantId } });
    },
  });
  const [who, setWho] = useState('');
  const add = useMutation({
    mutationFn: async (ref: string) => {
      let userId = ref.trim();
      if (userId.includes('@')) {
        // An email: the user holding exactly it (the search matches parts too).
        const page = await api.get<UserPage>(`/tenants/${tenantId}/users?${new URLSearchParams({ q: userId, limit: '20' })}`);
        const found = page.data.find((u) => u.email?.toLowerCase() === userId.toLowerCase());
        if (!found)
          throw new ApiError(404, 'USER_NOT_FOUND', 'No user has this email', [
            { field: 'user', code: 'not_found', message: 'No user has this email' },
          ]);
        userId = found.id;
      }
      return api.put(`/tenants/${tenantId}/groups/${groupId}/members/${encodeURIComponent(userId)}`);
    },
    onSuccess: () => {
      setWho('');
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (userId: string) => api.del(`/tenants/${tenantId}/groups/${groupId}/members/${userId}`),
    onSuccess: refresh,
  });

  const columns = useMemo<LegacyColumnDef<Member>[]>(
    () => [
      {
        id: 'user',
        header: 'Member',
        cell: ({ row }) => (
          <Link
            to="/tenants/$tenantId/users/$userId"
            params={{ tenantId, userId: row.original.userId }}
            className="text-blue-700 underline dark:text-blue-300"
          >
            {row.original.user.name ?? row.original.user.email ?? row.original.userId}
          </Link>
        ),
      },
      { id: 'email', header: 'Email', cell: ({ row }) => row.original.user.email ?? '—' },
      { accessorKey: 'joinedAt', header: 'Joined', cell: ({ row }) => formatDateTime(row.original.joinedAt) },
      {
        id: 'actions',
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) => {
          const label = row.original.user.email ?? row.original.userId;
          return (
            <button type="button" className="btn" aria-label={`Remove ${label}`} onClick={() => remove.mutate(row.original.userId)}>
              Remove
            </button>
          );
        },
      },
    ],
    [tenantId, remove.mutate],
  );
  const saveErrors = fieldErrorsOf(save.error);
  const addError = add.error instanceof ApiError ? (add.error.errors[0]?.message ?? add.error.message) : messageOf(add.error);

  return (
    <div className="grid gap-4">
      <p>
        <Link to="/tenants/$tenantId/groups" params={{ tenantId }} className="text-blue-700 underline dark:text-blue-300">
          ← Groups
        </Link>
      </p>
      <h1 className="text-2xl font-semibold">{group.data ? `Group ${group.data.displayName}` : 'Group'}</h1>
      <FormError message={messageOf(group.error)} />
      {group.data ? (
        <p className="muted text-sm" data-testid="group-summary">
          {group.data.memberCount} members · roles {group.data.roles.join(', ') || 'none'} · created {formatDateTime(group.data.createdAt)}
        </p>
      ) : null}
      {loaded ? (
        <section className="card grid gap-3" aria-labelledby="group-settings-title">
          <h2 id="group-settings-title" className="text-lg font-semibold">
            Settings
          </h2>
          <form onSubmit={form.handleSubmit((f) => save.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-4">
            <GroupFields
              form={form}
              ids="group-edit"
              labels={{ name: 'Name', externalId: 'External id (blank: none)', roles: 'Roles of its members (comma-separated)' }}
              errors={saveErrors}
            />
            <div className="self-end">
              <button type="submit" className="btn btn-primary" disabled={save.isPending}>
                Save group
              </button>
            </div>
            <FormError
              message={
                stale
                  ? 'Someone else changed this group meanwhile: the form now shows the group as it is; make your change again.'
                  : messageOf(save.error)
              }
              className="sm:col-span-4"
            />
            <p role="status" className="text-sm sm:col-span-4">
              {saved}
            </p>
          </form>
          <div>
            <ConfirmDialog
              trigger="Delete group…"
              title={`Delete group ${loaded.displayName}?`}
              description={`Its ${loaded.memberCount} members leave it and lose the roles it gives them; the users themselves stay.`}
              confirm="Delete group"
              pending={removeGroup.isPending}
              error={messageOf(removeGroup.error)}
              onOpen={removeGroup.reset}
              onConfirm={() => removeGroup.mutateAsync()}
            />
          </div>
        </section>
      ) : null}
      <section className="card grid gap-3" aria-labelledby="members-title">
        <h2 id="members-title" className="text-lg font-semibold">
          Members
        </h2>
        <DataTable
          caption="Members"
          columns={columns}
          data={members.data?.data}
          loading={members.isPending}
          empty="No members yet."
          rowId={(m) => m.userId}
          testId="members-table"
        />
        <FormError message={messageOf(remove.error)} />
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (who.trim()) add.mutate(who);
          }}
        >
          <Field id="member-add" label="Add a member (email or user id)" error={addError ?? undefined}>
            <input id="member-add" className="input" value={who} onChange={(e) => setWho(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn-primary" disabled={!who.trim() || add.isPending}>
            Add member
          </button>
        </form>
      </section>
    </div>
  );
}
