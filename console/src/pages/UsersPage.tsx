import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { flexRender, type RowSelectionState, type SortingState } from '@tanstack/react-table';
import { type LegacyColumnDef, useLegacyTable } from '@tanstack/react-table/legacy';
import { useEffect, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { api, type User } from '../api.ts';
import { fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import { EMPTY_FILTERS, filtersToQuery, sortParam, type UserFilters } from '../filters.ts';
import { tenantsQuery, usersPageQuery } from '../queries.ts';
import { usersRoute } from '../router.tsx';

/** Waits until the operator stops typing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** The filters form: search as you type, status, role, brand, company, plan, created range, one custom attribute. */
export function UserFiltersForm(props: { value: UserFilters; onChange: (filters: UserFilters) => void }) {
  const set = (key: keyof UserFilters) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    props.onChange({ ...props.value, [key]: event.target.value });
  const text = (key: keyof UserFilters, label: string, placeholder?: string) => (
    <div>
      <label htmlFor={`filter-${key}`} className="label">
        {label}
      </label>
      <input id={`filter-${key}`} className="input" value={props.value[key]} placeholder={placeholder} onChange={set(key)} />
    </div>
  );
  return (
    <search className="grid gap-3 sm:grid-cols-4">
      <div className="sm:col-span-2">
        <label htmlFor="filter-q" className="label">
          Search
        </label>
        <input id="filter-q" type="search" className="input" value={props.value.q} placeholder="Name, email, phone…" onChange={set('q')} />
      </div>
      <div>
        <label htmlFor="filter-status" className="label">
          Status
        </label>
        <select id="filter-status" className="input" value={props.value.status} onChange={set('status')}>
          <option value="">Any</option>
          <option value="active">Active</option>
          <option value="deactivated">Deactivated</option>
        </select>
      </div>
      {text('role', 'Role')}
      {text('brand', 'Brand')}
      {text('company', 'Company')}
      {text('plan', 'Plan')}
      {text('attribute', 'Attribute', 'tier=gold')}
      <div>
        <label htmlFor="filter-createdAfter" className="label">
          Created from
        </label>
        <input id="filter-createdAfter" type="date" className="input" value={props.value.createdAfter} onChange={set('createdAfter')} />
      </div>
      <div>
        <label htmlFor="filter-createdBefore" className="label">
          Created until
        </label>
        <input id="filter-createdBefore" type="date" className="input" value={props.value.createdBefore} onChange={set('createdBefore')} />
      </div>
    </search>
  );
}

interface NewUserForm {
  email: string;
  name: string;
}

/** The query string of the list's first page as it opens (no filter, no sort): what the route's loader fetches. */
export const FIRST_USERS_QUERY = filtersToQuery(EMPTY_FILTERS, { cursor: null, count: false, sort: null });

/** A tenant's users: filters, columns sorted by the server (across every page), cursor paging, count on demand, bulk actions. */
export function UsersPage() {
  const { tenantId } = usersRoute.useParams();
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState<UserFilters>(EMPTY_FILTERS);
  const debounced = useDebounced(filters, 250);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [wantCount, setWantCount] = useState(false);
  const [sorting, setSorting] = useState<SortingState>([]);
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const cursor = cursors.at(-1) ?? null;
  const sort = sortParam(sorting);
  // A new filter or sort starts again from the first page (a cursor continues only the sort it came from).
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on filter or sort change only
  useEffect(() => {
    setCursors([null]);
    setRowSelection({});
  }, [debounced, sort]);

  const tenants = useQuery(tenantsQuery);
  const query = filtersToQuery(debounced, { cursor, count: wantCount, sort });
  const users = useQuery({ ...usersPageQuery(tenantId, query), placeholderData: keepPreviousData });

  const columns = useMemo<LegacyColumnDef<User>[]>(
    () => [
      {
        id: 'select',
        enableSorting: false,
        header: ({ table }) => (
          <input
            type="checkbox"
            aria-label="Select all users on this page"
            checked={table.getIsAllRowsSelected()}
            onChange={table.getToggleAllRowsSelectedHandler()}
          />
        ),
        cell: ({ row }) => (
          <input
            type="checkbox"
            aria-label={`Select ${row.original.email ?? row.original.id}`}
            checked={row.getIsSelected()}
            onChange={row.getToggleSelectedHandler()}
          />
        ),
      },
      {
        accessorKey: 'name',
        header: 'Name',
        cell: ({ row }) => (
          <Link
            to="/tenants/$tenantId/users/$userId"
            params={{ tenantId, userId: row.original.id }}
            className="text-blue-700 underline dark:text-blue-300"
          >
            {row.original.name ?? row.original.email ?? row.original.phone ?? row.original.id}
          </Link>
        ),
      },
      { accessorKey: 'email', header: 'Email', cell: ({ getValue }) => (getValue() as string | null) ?? '—' },
      { accessorKey: 'status', header: 'Status', enableSorting: false },
      { accessorKey: 'createdAt', header: 'Created', cell: ({ getValue }) => formatDateTime(getValue() as string) },
    ],
    [tenantId],
  );
  const table = useLegacyTable<User>({
    data: users.data?.data ?? [],
    columns,
    state: { sorting, rowSelection },
    onSortingChange: setSorting,
    onRowSelectionChange: setRowSelection,
    enableRowSelection: true,
    getRowId: (row) => row.id,
    // The server sorts (GET …/users?sort=), so the order holds across pages; one column at a time.
    manualSorting: true,
    enableMultiSort: false,
  });

  const selected = Object.keys(rowSelection).filter((id) => rowSelection[id]);
  const bulk = useMutation({
    mutationFn: (action: 'deactivate' | 'logout') =>
      api.post<{ data: { id: string; ok: boolean }[] }>(`/tenants/${tenantId}/users/bulk`, { action, ids: selected }),
    onSuccess: () => {
      setRowSelection({});
      void queryClient.invalidateQueries({ queryKey: ['users', tenantId] });
    },
  });

  const { register, handleSubmit, reset, formState } = useForm<NewUserForm>({ defaultValues: { email: '', name: '' } });
  const create = useMutation({
    mutationFn: (form: NewUserForm) =>
      api.post<User>(`/tenants/${tenantId}/users`, { email: form.email, ...(form.name ? { name: form.name } : {}) }),
    onSuccess: () => {
      reset();
      void queryClient.invalidateQueries({ queryKey: ['users', tenantId] });
    },
  });
  const createErrors = fieldErrorsOf(create.error);
  const tenant = tenants.data?.data.find((t) => t.id === tenantId);
  const rows = table.getRowModel().rows;

  return (
    <div className="grid gap-4">
      <h1 className="text-2xl font-semibold">Users {tenant ? `of ${tenant.name}` : ''}</h1>
      <UserFiltersForm value={filters} onChange={setFilters} />
      <div className="flex flex-wrap items-center gap-2">
        <span aria-live="polite" className="muted text-sm" data-testid="users-count">
          {users.data?.total !== undefined ? `${users.data.total} users match` : ''}
        </span>
        <button type="button" className="btn" onClick={() => setWantCount(true)} disabled={wantCount}>
          Count matches
        </button>
        <span className="ml-auto text-sm">{selected.length > 0 ? `${selected.length} selected` : ''}</span>
        <button type="button" className="btn" disabled={selected.length === 0 || bulk.isPending} onClick={() => bulk.mutate('logout')}>
          Force logout
        </button>
        <button
          type="button"
          className="btn btn-danger"
          disabled={selected.length === 0 || bulk.isPending}
          onClick={() => bulk.mutate('deactivate')}
        >
          Deactivate
        </button>
      </div>
      {messageOf(users.error) ? (
        <p role="alert" className="field-error">
          {messageOf(users.error)}
        </p>
      ) : null}
      <div className="overflow-x-auto" aria-busy={users.isFetching}>
        <table className="table" data-testid="users-table">
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sort = header.column.getIsSorted();
                  return (
                    <th key={header.id} scope="col" aria-sort={sort === 'asc' ? 'ascending' : sort === 'desc' ? 'descending' : undefined}>
                      {header.column.getCanSort() ? (
                        <button type="button" className="font-semibold" onClick={header.column.getToggleSortingHandler()}>
                          {flexRender(header.column.columnDef.header, header.getContext())}
                          {sort === 'asc' ? ' ▲' : sort === 'desc' ? ' ▼' : ''}
                        </button>
                      ) : (
                        flexRender(header.column.columnDef.header, header.getContext())
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {users.isPending ? <p className="p-2">Loading users…</p> : null}
        {users.data && users.data.data.length === 0 ? <p className="muted p-2">No user matches.</p> : null}
      </div>
      <div className="flex gap-2">
        <button type="button" className="btn" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          className="btn"
          disabled={!users.data?.nextCursor}
          onClick={() => users.data?.nextCursor && setCursors([...cursors, users.data.nextCursor])}
        >
          Next
        </button>
      </div>
      <section className="card" aria-labelledby="new-user">
        <h2 id="new-user" className="mb-3 text-lg font-semibold">
          New user
        </h2>
        <form onSubmit={handleSubmit((form) => create.mutate(form))} noValidate className="grid gap-3 sm:grid-cols-3">
          <div>
            <label htmlFor="new-user-email" className="label">
              Email
            </label>
            <input id="new-user-email" type="email" className="input" {...register('email', { required: 'An email is required' })} />
            {formState.errors.email || createErrors.email ? (
              <p className="field-error">{formState.errors.email?.message ?? createErrors.email}</p>
            ) : null}
          </div>
          <div>
            <label htmlFor="new-user-name" className="label">
              Name
            </label>
            <input id="new-user-name" className="input" {...register('name')} />
            {createErrors.name ? <p className="field-error">{createErrors.name}</p> : null}
          </div>
          <div className="self-end">
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              Create user
            </button>
          </div>
          {messageOf(create.error) ? (
            <p role="alert" className="field-error sm:col-span-3">
              {messageOf(create.error)}
            </p>
          ) : null}
        </form>
      </section>
    </div>
  );
}
