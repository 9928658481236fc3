import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { type ApiKey, api, type Tenant } from '../api.ts';
import { SecretOnce } from '../components/Field.tsx';
import { fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import { keysRoute } from '../router.tsx';

interface KeyForm {
  name: string;
  brand: string;
  scopes: string[];
}

/** A tenant's API keys: create (the secret shown once), list with prefix, scopes and last use, revoke. */
export function KeysPage() {
  const { tenantId } = keysRoute.useParams();
  const queryClient = useQueryClient();
  const tenants = useQuery({ queryKey: ['tenants'], queryFn: () => api.get<{ data: Tenant[]; scopes: string[] }>('/tenants') });
  const keys = useQuery({ queryKey: ['keys', tenantId], queryFn: () => api.get<{ data: ApiKey[] }>(`/tenants/${tenantId}/keys`) });
  const brands = useQuery({
    queryKey: ['brands', tenantId],
    queryFn: () => api.get<{ data: { slug: string; name: string }[] }>(`/tenants/${tenantId}/brands`),
  });
  const [secret, setSecret] = useState<string | null>(null);
  const { register, handleSubmit, reset, formState } = useForm<KeyForm>({ defaultValues: { name: '', brand: '', scopes: [] } });
  const create = useMutation({
    mutationFn: (form: KeyForm) =>
      api.post<ApiKey & { secret: string }>(`/tenants/${tenantId}/keys`, {
        name: form.name,
        ...(form.brand ? { brand: form.brand } : {}),
        ...(form.scopes.length > 0 ? { scopes: form.scopes } : {}),
      }),
    onSuccess: (key) => {
      setSecret(key.secret);
      reset();
      void queryClient.invalidateQueries({ queryKey: ['keys', tenantId] });
    },
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) => api.post(`/tenants/${tenantId}/keys/${keyId}/revoke`),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['keys', tenantId] }),
  });
  const tenant = tenants.data?.data.find((t) => t.id === tenantId);
  const serverErrors = fieldErrorsOf(create.error);

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">API keys {tenant ? `of ${tenant.name}` : ''}</h1>
      {secret ? (
        <SecretOnce
          title="New key — copy the secret now, it is shown only once"
          secret={secret}
          testId="key-secret"
          onDone={() => setSecret(null)}
        />
      ) : null}
      {keys.isPending ? <p>Loading keys…</p> : null}
      {keys.data && keys.data.data.length === 0 ? <p className="muted">No keys yet.</p> : null}
      {keys.data && keys.data.data.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scopes</th>
                <th scope="col">Brand</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}</code>
                  </td>
                  <td className="max-w-xs text-xs">{key.scopes.join(', ')}</td>
                  <td>{key.brand ?? '—'}</td>
                  <td>{formatDateTime(key.lastUsedAt)}</td>
                  <td>
                    {key.revokedAt ? (
                      <span>revoked {formatDateTime(key.revokedAt)}</span>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-danger"
                        onClick={() => revoke.mutate(key.id)}
                        aria-label={`Revoke ${key.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <section className="card" aria-labelledby="new-key">
        <h2 id="new-key" className="mb-3 text-lg font-semibold">
          New API key
        </h2>
        <form onSubmit={handleSubmit((form) => create.mutate(form))} noValidate className="grid gap-3">
          <div className="grid gap-3 sm:grid-cols-2">
            <div>
              <label htmlFor="key-name" className="label">
                Name
              </label>
              <input id="key-name" className="input" {...register('name', { required: 'A name is required' })} />
              {formState.errors.name || serverErrors.name ? (
                <p className="field-error">{formState.errors.name?.message ?? serverErrors.name}</p>
              ) : null}
            </div>
            <div>
              <label htmlFor="key-brand" className="label">
                Brand (optional)
              </label>
              <select id="key-brand" className="input" {...register('brand')}>
                <option value="">Whole tenant</option>
                {brands.data?.data.map((b) => (
                  <option key={b.slug} value={b.slug}>
                    {b.name}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <fieldset>
            <legend className="label">Scopes (none ticked: every scope)</legend>
            <div className="flex flex-wrap gap-3">
              {(tenants.data?.scopes ?? []).map((scope) => (
                <label key={scope} className="flex items-center gap-1 text-sm">
                  <input type="checkbox" value={scope} {...register('scopes')} />
                  {scope}
                </label>
              ))}
            </div>
            {serverErrors.scopes ? <p className="field-error">{serverErrors.scopes}</p> : null}
          </fieldset>
          {messageOf(create.error) ? (
            <p role="alert" className="field-error">
              {messageOf(create.error)}
            </p>
          ) : null}
          <div>
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              Create key
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}
