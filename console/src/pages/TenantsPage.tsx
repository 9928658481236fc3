import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useForm } from 'react-hook-form';
import { api, type Tenant } from '../api.ts';
import { fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import { useSession } from './Shell.tsx';

interface TenantForm {
  slug: string;
  name: string;
  defaultCountry: string;
}

/** Every tenant the operator may see; platform operators create them here. */
export function TenantsPage() {
  const session = useSession();
  const platform = !session.data?.operator || session.data.operator.role === 'platform';
  const queryClient = useQueryClient();
  const tenants = useQuery({ queryKey: ['tenants'], queryFn: () => api.get<{ data: Tenant[] }>('/tenants') });
  const { register, handleSubmit, reset, formState } = useForm<TenantForm>({ defaultValues: { slug: '', name: '', defaultCountry: '' } });
  const create = useMutation({
    mutationFn: (form: TenantForm) =>
      api.post<Tenant>('/tenants', {
        slug: form.slug,
        name: form.name,
        ...(form.defaultCountry ? { defaultCountry: form.defaultCountry } : {}),
      }),
    onSuccess: () => {
      reset();
      void queryClient.invalidateQueries({ queryKey: ['tenants'] });
    },
  });
  const serverErrors = fieldErrorsOf(create.error);

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Tenants</h1>
      {tenants.isPending ? <p>Loading tenants…</p> : null}
      {tenants.data && tenants.data.data.length === 0 ? <p className="muted">No tenants yet.</p> : null}
      {tenants.data && tenants.data.data.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Slug</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tenants.data.data.map((tenant) => (
                <tr key={tenant.id}>
                  <td>{tenant.name}</td>
                  <td>
                    <code>{tenant.slug}</code>
                  </td>
                  <td>{formatDateTime(tenant.createdAt)}</td>
                  <td className="flex flex-wrap gap-2">
                    <Link
                      className="btn"
                      to="/tenants/$tenantId/users"
                      params={{ tenantId: tenant.id }}
                      aria-label={`Users of ${tenant.name}`}
                    >
                      Users
                    </Link>
                    <Link
                      className="btn"
                      to="/tenants/$tenantId/keys"
                      params={{ tenantId: tenant.id }}
                      aria-label={`API keys of ${tenant.name}`}
                    >
                      API keys
                    </Link>
                    <Link
                      className="btn"
                      to="/tenants/$tenantId/events"
                      params={{ tenantId: tenant.id }}
                      aria-label={`Events of ${tenant.name}`}
                    >
                      Events
                    </Link>
                    <Link
                      className="btn"
                      to="/tenants/$tenantId/directory"
                      params={{ tenantId: tenant.id }}
                      aria-label={`Attributes and roles of ${tenant.name}`}
                    >
                      Schema
                    </Link>
                    <Link
                      className="btn"
                      to="/tenants/$tenantId/settings"
                      params={{ tenantId: tenant.id }}
                      aria-label={`Settings of ${tenant.name}`}
                    >
                      Settings
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {platform ? (
        <section className="card" aria-labelledby="new-tenant">
          <h2 id="new-tenant" className="mb-3 text-lg font-semibold">
            New tenant
          </h2>
          <form onSubmit={handleSubmit((form) => create.mutate(form))} noValidate className="grid gap-3 sm:grid-cols-3">
            <div>
              <label htmlFor="tenant-slug" className="label">
                Slug
              </label>
              <input id="tenant-slug" className="input" {...register('slug', { required: 'A slug is required' })} />
              {formState.errors.slug || serverErrors.slug ? (
                <p className="field-error">{formState.errors.slug?.message ?? serverErrors.slug}</p>
              ) : null}
            </div>
            <div>
              <label htmlFor="tenant-name" className="label">
                Name
              </label>
              <input id="tenant-name" className="input" {...register('name', { required: 'A name is required' })} />
              {formState.errors.name || serverErrors.name ? (
                <p className="field-error">{formState.errors.name?.message ?? serverErrors.name}</p>
              ) : null}
            </div>
            <div>
              <label htmlFor="tenant-country" className="label">
                Default country (optional)
              </label>
              <input id="tenant-country" className="input" maxLength={2} placeholder="AR" {...register('defaultCountry')} />
              {serverErrors.defaultCountry ? <p className="field-error">{serverErrors.defaultCountry}</p> : null}
            </div>
            {messageOf(create.error) ? (
              <p role="alert" className="field-error sm:col-span-3">
                {messageOf(create.error)}
              </p>
            ) : null}
            <div className="sm:col-span-3">
              <button type="submit" className="btn btn-primary" disabled={create.isPending}>
                Create tenant
              </button>
            </div>
          </form>
        </section>
      ) : null}
    </div>
  );
}
