import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { api, type Operator, type Tenant } from '../api.ts';
import { fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';

interface OperatorForm {
  email: string;
  name: string;
  password: string;
  role: 'platform' | 'tenant';
  tenant: string;
}

/** Console operators: platform operators list, create and remove them. */
export function OperatorsPage() {
  const queryClient = useQueryClient();
  const operators = useQuery({ queryKey: ['operators'], queryFn: () => api.get<{ data: Operator[] }>('/operators') });
  const tenants = useQuery({ queryKey: ['tenants'], queryFn: () => api.get<{ data: Tenant[] }>('/tenants') });
  const { register, handleSubmit, reset, watch } = useForm<OperatorForm>({
    defaultValues: { email: '', name: '', password: '', role: 'platform', tenant: '' },
  });
  const create = useMutation({
    mutationFn: (form: OperatorForm) =>
      api.post<Operator>('/operators', {
        email: form.email,
        name: form.name,
        password: form.password,
        role: form.role,
        ...(form.role === 'tenant' ? { tenants: [form.tenant] } : {}),
      }),
    onSuccess: () => {
      reset();
      void queryClient.invalidateQueries({ queryKey: ['operators'] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.del(`/operators/${id}`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['operators'] }),
  });
  const errors = fieldErrorsOf(create.error);
  const tenantName = (id: string) => tenants.data?.data.find((t) => t.id === id)?.name ?? id;

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Operators</h1>
      {operators.data && operators.data.data.length === 0 ? <p className="muted">No operators yet: create the first one below.</p> : null}
      {operators.data && operators.data.data.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {operators.data.data.map((o) => (
              <tr key={o.id}>
                <td>{o.name}</td>
                <td>{o.email}</td>
                <td>{o.role === 'platform' ? 'platform' : `tenant: ${o.tenantIds.map(tenantName).join(', ')}`}</td>
                <td>{formatDateTime(o.createdAt)}</td>
                <td>
                  <button type="button" className="btn" onClick={() => remove.mutate(o.id)} aria-label={`Remove ${o.email}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <section className="card" aria-labelledby="new-operator">
        <h2 id="new-operator" className="mb-3 text-lg font-semibold">
          New operator
        </h2>
        <form onSubmit={handleSubmit((form) => create.mutate(form))} noValidate className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor="op-email" className="label">
              Email
            </label>
            <input id="op-email" type="email" className="input" {...register('email')} />
            {errors.email ? <p className="field-error">{errors.email}</p> : null}
          </div>
          <div>
            <label htmlFor="op-name" className="label">
              Name
            </label>
            <input id="op-name" className="input" {...register('name')} />
            {errors.name ? <p className="field-error">{errors.name}</p> : null}
          </div>
          <div>
            <label htmlFor="op-password" className="label">
              Password
            </label>
            <input id="op-password" type="password" autoComplete="new-password" className="input" {...register('password')} />
            {errors.password ? <p className="field-error">{errors.password}</p> : null}
          </div>
          <div>
            <label htmlFor="op-role" className="label">
              Role
            </label>
            <select id="op-role" className="input" {...register('role')}>
              <option value="platform">Platform (every tenant)</option>
              <option value="tenant">Tenant (one tenant)</option>
            </select>
          </div>
          {watch('role') === 'tenant' ? (
            <div>
              <label htmlFor="op-tenant" className="label">
                Tenant
              </label>
              <select id="op-tenant" className="input" {...register('tenant')}>
                <option value="">Choose…</option>
                {tenants.data?.data.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
              {errors.tenants ? <p className="field-error">{errors.tenants}</p> : null}
            </div>
          ) : null}
          {messageOf(create.error) ? (
            <p role="alert" className="field-error sm:col-span-2">
              {messageOf(create.error)}
            </p>
          ) : null}
          <div className="sm:col-span-2">
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              Create operator
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}
