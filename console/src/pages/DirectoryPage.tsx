import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { type AttributeDefinition, api } from '../api.ts';
import { fieldErrorsOf, messageOf } from '../components/forms.ts';
import { directoryRoute } from '../router.tsx';

interface AttributeForm {
  name: string;
  type: AttributeDefinition['type'];
  searchable: boolean;
  unique: boolean;
}

interface RoleForm {
  name: string;
  description: string;
}

/** A tenant's schema: custom attribute definitions and roles, listed and created. */
export function DirectoryPage() {
  const { tenantId } = directoryRoute.useParams();
  const queryClient = useQueryClient();
  const attributes = useQuery({
    queryKey: ['attributes', tenantId],
    queryFn: () => api.get<{ data: AttributeDefinition[] }>(`/tenants/${tenantId}/attributes`),
  });
  const roles = useQuery({
    queryKey: ['roles', tenantId],
    queryFn: () => api.get<{ data: { name: string; description: string | null; builtIn?: boolean }[] }>(`/tenants/${tenantId}/roles`),
  });
  const attributeForm = useForm<AttributeForm>({ defaultValues: { name: '', type: 'string', searchable: false, unique: false } });
  const defineAttribute = useMutation({
    mutationFn: (form: AttributeForm) => api.post(`/tenants/${tenantId}/attributes`, form),
    onSuccess: () => {
      attributeForm.reset();
      void queryClient.invalidateQueries({ queryKey: ['attributes', tenantId] });
    },
  });
  const roleForm = useForm<RoleForm>({ defaultValues: { name: '', description: '' } });
  const defineRole = useMutation({
    mutationFn: (form: RoleForm) => api.post(`/tenants/${tenantId}/roles`, { name: form.name, description: form.description || null }),
    onSuccess: () => {
      roleForm.reset();
      void queryClient.invalidateQueries({ queryKey: ['roles', tenantId] });
    },
  });
  const plans = useQuery({
    queryKey: ['plans', tenantId],
    queryFn: () => api.get<{ data: { id: string; name: string; number: number }[] }>(`/tenants/${tenantId}/plans`),
  });
  const [planName, setPlanName] = useState('');
  const createPlan = useMutation({
    mutationFn: () => api.post(`/tenants/${tenantId}/plans`, { name: planName }),
    onSuccess: () => {
      setPlanName('');
      void queryClient.invalidateQueries({ queryKey: ['plans', tenantId] });
    },
  });
  const attributeErrors = fieldErrorsOf(defineAttribute.error);
  const roleErrors = fieldErrorsOf(defineRole.error);

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Attributes, roles and plans</h1>
      <section className="card" aria-labelledby="attributes-title">
        <h2 id="attributes-title" className="mb-3 text-lg font-semibold">
          Custom attributes
        </h2>
        {attributes.data && attributes.data.data.length === 0 ? <p className="muted">None defined.</p> : null}
        {attributes.data && attributes.data.data.length > 0 ? (
          <table className="table mb-3">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Searchable</th>
                <th scope="col">Unique</th>
              </tr>
            </thead>
            <tbody>
              {attributes.data.data.map((d) => (
                <tr key={d.name}>
                  <td>
                    <code>{d.name}</code>
                  </td>
                  <td>{d.type}</td>
                  <td>{d.searchable ? 'yes' : 'no'}</td>
                  <td>{d.unique ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <form onSubmit={attributeForm.handleSubmit((f) => defineAttribute.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-4">
          <div>
            <label htmlFor="attr-new-name" className="label">
              Attribute name
            </label>
            <input id="attr-new-name" className="input" {...attributeForm.register('name')} />
            {attributeErrors.name ? <p className="field-error">{attributeErrors.name}</p> : null}
          </div>
          <div>
            <label htmlFor="attr-new-type" className="label">
              Type
            </label>
            <select id="attr-new-type" className="input" {...attributeForm.register('type')}>
              {['string', 'number', 'boolean', 'date', 'json'].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <label className="label flex items-center gap-2 self-end">
            <input type="checkbox" {...attributeForm.register('searchable')} /> Searchable
          </label>
          <label className="label flex items-center gap-2 self-end">
            <input type="checkbox" {...attributeForm.register('unique')} /> Unique
          </label>
          {messageOf(defineAttribute.error) ? <p className="field-error sm:col-span-4">{messageOf(defineAttribute.error)}</p> : null}
          <div className="sm:col-span-4">
            <button type="submit" className="btn" disabled={defineAttribute.isPending}>
              Define attribute
            </button>
          </div>
        </form>
      </section>
      <section className="card" aria-labelledby="roles-title">
        <h2 id="roles-title" className="mb-3 text-lg font-semibold">
          Roles
        </h2>
        <ul className="mb-3">
          {roles.data?.data.map((r) => (
            <li key={r.name}>
              <code>{r.name}</code> {r.description ? <span className="muted">— {r.description}</span> : null}
            </li>
          ))}
        </ul>
        <form onSubmit={roleForm.handleSubmit((f) => defineRole.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-3">
          <div>
            <label htmlFor="role-new-name" className="label">
              Role name
            </label>
            <input id="role-new-name" className="input" {...roleForm.register('name')} />
            {roleErrors.name ? <p className="field-error">{roleErrors.name}</p> : null}
          </div>
          <div>
            <label htmlFor="role-new-description" className="label">
              Description
            </label>
            <input id="role-new-description" className="input" {...roleForm.register('description')} />
          </div>
          <div className="self-end">
            <button type="submit" className="btn" disabled={defineRole.isPending}>
              Define role
            </button>
          </div>
          {messageOf(defineRole.error) ? <p className="field-error sm:col-span-3">{messageOf(defineRole.error)}</p> : null}
        </form>
      </section>
      <section className="card" aria-labelledby="plans-title">
        <h2 id="plans-title" className="mb-3 text-lg font-semibold">
          Plans
        </h2>
        {plans.data && plans.data.data.length === 0 ? <p className="muted">No plans.</p> : null}
        <ul className="mb-3">
          {plans.data?.data.map((p) => (
            <li key={p.id}>
              {p.name} <span className="muted text-sm">#{p.number}</span>
            </li>
          ))}
        </ul>
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            createPlan.mutate();
          }}
        >
          <div>
            <label htmlFor="plan-new-name" className="label">
              Plan name
            </label>
            <input id="plan-new-name" className="input" value={planName} onChange={(e) => setPlanName(e.target.value)} />
          </div>
          <button type="submit" className="btn" disabled={!planName || createPlan.isPending}>
            Create plan
          </button>
          {createPlan.error ? (
            <p className="field-error w-full">{Object.values(fieldErrorsOf(createPlan.error))[0] ?? messageOf(createPlan.error)}</p>
          ) : null}
        </form>
      </section>
    </div>
  );
}
