import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { LegacyColumnDef } from '@tanstack/react-table/legacy';
import { useMemo } from 'react';
import { useForm } from 'react-hook-form';
import { api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError } from '../components/Field.tsx';
import { commaList, fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import { GroupFields, type GroupFormValues } from '../components/GroupFields.tsx';

export interface Group {
  id: string;
  displayName: string;
  externalId: string | null;
  roles: string[];
  memberCount: number;
  createdAt: string;
  version: number;
}

interface Company {
  id: string;
  name: string;
  externalId: string | null;
  domain: string | null;
  createdAt: string;
}

interface CompanyForm {
  name: string;
  domain: string;
  externalId: string;
}

/** A tenant's groups (list, create; members on each group's page) and companies (list, create). */
export function GroupsPage() {
  const { tenantId } = useParams({ from: '/tenants/$tenantId/groups' });
  const queryClient = useQueryClient();
  const groups = useQuery({
    queryKey: ['groups', tenantId],
    queryFn: () => api.get<{ data: Group[]; total?: number }>(`/tenants/${tenantId}/groups`),
  });
  const companies = useQuery({
    queryKey: ['companies', tenantId],
    queryFn: () => api.get<{ data: Company[] }>(`/tenants/${tenantId}/companies`),
  });

  const groupForm = useForm<GroupFormValues>({ defaultValues: { displayName: '', externalId: '', roles: '' } });
  const createGroup = useMutation({
    mutationFn: (form: GroupFormValues) =>
      api.post<Group>(`/tenants/${tenantId}/groups`, {
        displayName: form.displayName,
        ...(form.externalId ? { externalId: form.externalId } : {}),
        ...(form.roles.trim() ? { roles: commaList(form.roles) } : {}),
      }),
    onSuccess: () => {
      groupForm.reset();
      void queryClient.invalidateQueries({ queryKey: ['groups', tenantId] });
    },
  });
  const companyForm = useForm<CompanyForm>({ defaultValues: { name: '', domain: '', externalId: '' } });
  const createCompany = useMutation({
    mutationFn: (form: CompanyForm) =>
      api.post<Company>(`/tenants/${tenantId}/companies`, {
        name: form.name,
        ...(form.domain ? { domain: form.domain } : {}),
        ...(form.externalId ? { externalId: form.externalId } : {}),
      }),
    onSuccess: () => {
      companyForm.reset();
      void queryClient.invalidateQueries({ queryKey: ['companies', tenantId] });
    },
  });

  const groupColumns = useMemo<LegacyColumnDef<Group>[]>(
    () => [
      {
        accessorKey: 'displayName',
        header: 'Group',
        cell: ({ row }) => (
          <Link
            to="/tenants/$tenantId/groups/$groupId"
            params={{ tenantId, groupId: row.original.id }}
            className="text-blue-700 underline dark:text-blue-300"
          >
            {row.original.displayName}
          </Link>
        ),
      },
      { accessorKey: 'memberCount', header: 'Members' },
      { accessorKey: 'roles', header: 'Roles', cell: ({ row }) => row.original.roles.join(', ') || '—' },
      { accessorKey: 'externalId', header: 'External id', cell: ({ row }) => row.original.externalId ?? '—' },
      { accessorKey: 'createdAt', header: 'Created', cell: ({ row }) => formatDateTime(row.original.createdAt) },
    ],
    [tenantId],
  );
  const companyColumns = useMemo<LegacyColumnDef<Company>[]>(
    () => [
      { accessorKey: 'name', header: 'Company' },
      { accessorKey: 'domain', header: 'Domain', cell: ({ row }) => row.original.domain ?? '—' },
      { accessorKey: 'externalId', header: 'External id', cell: ({ row }) => row.original.externalId ?? '—' },
      { accessorKey: 'createdAt', header: 'Created', cell: ({ row }) => formatDateTime(row.original.createdAt) },
    ],
    [],
  );
  const groupErrors = fieldErrorsOf(createGroup.error);
  const companyErrors = fieldErrorsOf(createCompany.error);

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Groups and companies</h1>
      <section className="card grid gap-3" aria-labelledby="groups-title">
        <h2 id="groups-title" className="text-lg font-semibold">
          Groups {groups.data?.total !== undefined ? <span className="muted text-sm">({groups.data.total})</span> : null}
        </h2>
        <FormError message={messageOf(groups.error)} />
        <DataTable
          caption="Groups"
          columns={groupColumns}
          data={groups.data?.data}
          loading={groups.isPending}
          empty="No groups yet."
          rowId={(g) => g.id}
          testId="groups-table"
        />
        <form onSubmit={groupForm.handleSubmit((f) => createGroup.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-4">
          <GroupFields
            form={groupForm}
            ids="group"
            labels={{ name: 'Group name', externalId: 'External id (optional)', roles: 'Roles (comma-separated)' }}
            errors={groupErrors}
          />
          <div className="self-end">
            <button type="submit" className="btn btn-primary" disabled={createGroup.isPending}>
              Create group
            </button>
          </div>
          <FormError message={messageOf(createGroup.error)} className="sm:col-span-4" />
        </form>
      </section>
      <section className="card grid gap-3" aria-labelledby="companies-title">
        <h2 id="companies-title" className="text-lg font-semibold">
          Companies
        </h2>
        <FormError message={messageOf(companies.error)} />
        <DataTable
          caption="Companies"
          columns={companyColumns}
          data={companies.data?.data}
          loading={companies.isPending}
          empty="No companies yet."
          rowId={(c) => c.id}
          testId="companies-table"
        />
        <form onSubmit={companyForm.handleSubmit((f) => createCompany.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-4">
          <Field id="company-name" label="Company name" error={companyForm.formState.errors.name?.message ?? companyErrors.name}>
            <input id="company-name" className="input" {...companyForm.register('name', { required: 'A name is required' })} />
          </Field>
          <Field id="company-domain" label="Domain (optional)" error={companyErrors.domain}>
            <input id="company-domain" className="input" placeholder="example.com" {...companyForm.register('domain')} />
          </Field>
          <Field id="company-external" label="Company external id (optional)" error={companyErrors.externalId}>
            <input id="company-external" className="input" {...companyForm.register('externalId')} />
          </Field>
          <div className="self-end">
            <button type="submit" className="btn btn-primary" disabled={createCompany.isPending}>
              Create company
            </button>
          </div>
          <FormError message={messageOf(createCompany.error)} className="sm:col-span-4" />
        </form>
      </section>
    </div>
  );
}
