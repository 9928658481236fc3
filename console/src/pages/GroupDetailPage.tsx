import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { LegacyColumnDef } from '@tanstack/react-table/legacy';
import { useMemo, useState } from 'react';
import { ApiError, api, type User, type UserPage } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError } from '../components/Field.tsx';
import { formatDateTime, messageOf } from '../components/forms.ts';
import type { Group } from './GroupsPage.tsx';

interface Member {
  userId: string;
  user: User;
  joinedAt: string;
}

/** One group: its members, added by email (or user id) and removed. */
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
