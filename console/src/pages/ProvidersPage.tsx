import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import type { LegacyColumnDef } from '@tanstack/react-table/legacy';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { api } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError } from '../components/Field.tsx';
import { errorUnder, fieldErrorsOf, messageOf } from '../components/forms.ts';

type ProviderType = 'auth0' | 'scim' | 'http';

interface Provider {
  id: string;
  name: string;
  brand: string | null;
  type: ProviderType;
  endpoint: string;
  settings: Record<string, unknown>;
  timeoutMs: number;
  cacheTtlSeconds: number;
  fieldMapping: Record<string, 'provider' | 'local'>;
  jitProvisioning: boolean;
}

interface MergedLookup {
  user: { id: string; email: string | null } | null;
  merged: Record<string, unknown> | null;
  sources: Record<string, 'provider' | 'local'>;
  identities: { provider: string; type: string; subject: string; linkedAt: string }[];
  providerStatus: string;
  provider: { id: string; name: string; type: string } | null;
  provisioned: boolean;
}

export interface ProviderForm {
  name: string;
  type: ProviderType;
  endpoint: string;
  brand: string;
  clientId: string;
  clientSecret: string;
  token: string;
  headerName: string;
  headerValue: string;
  settings: string;
  timeoutMs: string;
  cacheTtlSeconds: string;
  jitProvisioning: boolean;
}

export const EMPTY_PROVIDER_FORM: ProviderForm = {
  name: '',
  type: 'scim',
  endpoint: '',
  brand: '',
  clientId: '',
  clientSecret: '',
  token: '',
  headerName: '',
  headerValue: '',
  settings: '',
  timeoutMs: '',
  cacheTtlSeconds: '',
  jitProvisioning: false,
};

/** The request body of a create (credentials required) or an edit (credentials only when typed: they replace the old). */
export function providerBody(form: ProviderForm, editing: boolean): Record<string, unknown> {
  const credentials: Record<string, unknown> = {};
  if (form.type === 'auth0') {
    if (form.clientId) credentials.clientId = form.clientId;
    if (form.clientSecret) credentials.clientSecret = form.clientSecret;
  } else if (form.type === 'scim') {
    if (form.token) credentials.token = form.token;
  } else if (form.headerName) {
    credentials.headers = { [form.headerName]: form.headerValue };
  }
  let settings: unknown;
  if (form.settings.trim()) {
    try {
      settings = JSON.parse(form.settings);
    } catch {
      throw new SyntaxError('settings: is not valid JSON');
    }
  }
  return {
    name: form.name,
    type: form.type,
    endpoint: form.endpoint,
    brand: form.brand || null,
    ...(!editing || Object.keys(credentials).length > 0 ? { credentials } : {}),
    ...(settings !== undefined ? { settings } : {}),
    ...(form.timeoutMs ? { timeoutMs: Number(form.timeoutMs) } : {}),
    ...(form.cacheTtlSeconds ? { cacheTtlSeconds: Number(form.cacheTtlSeconds) } : {}),
    jitProvisioning: form.jitProvisioning,
  };
}

function toForm(p: Provider): ProviderForm {
  return {
    ...EMPTY_PROVIDER_FORM,
    name: p.name,
    type: p.type,
    endpoint: p.endpoint,
    brand: p.brand ?? '',
    settings: Object.keys(p.settings).length > 0 ? JSON.stringify(p.settings) : '',
    timeoutMs: String(p.timeoutMs),
    cacheTtlSeconds: String(p.cacheTtlSeconds),
    jitProvisioning: p.jitProvisioning,
  };
}

/** The merged view of a test lookup: each field's value and whose it is. */
function LookupResult({ result }: { result: MergedLookup }) {
  const fields = Object.keys(result.merged ?? {}).filter((f) => f !== 'metadata');
  return (
    <div className="grid gap-2" data-testid="lookup-result">
      <p>
        Provider status: <strong data-testid="lookup-status">{result.providerStatus}</strong>
        {result.provider ? ` (${result.provider.name}, ${result.provider.type})` : ''} · local user:{' '}
        {result.user ? (result.user.email ?? result.user.id) : 'none'}
        {result.provisioned ? ' · provisioned now' : ''}
      </p>
      {result.merged ? (
        <table className="table">
          <caption className="sr-only">Merged view and the source of each field</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Merged value</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => (
              <tr key={f} data-testid={`merged-${f}`}>
                <td>{f}</td>
                <td>{result.merged?.[f] === null || result.merged?.[f] === undefined ? '—' : String(result.merged[f])}</td>
                <td>{result.sources[f] ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Neither Roster nor the provider knows this email.</p>
      )}
      {result.identities.length > 0 ? (
        <p className="text-sm">Identities: {result.identities.map((i) => `${i.provider} (${i.type}) ${i.subject}`).join('; ')}</p>
      ) : null}
    </div>
  );
}

/** A tenant's upstream identity providers: list, create, edit, delete, and a test lookup by email. */
export function ProvidersPage() {
  const { tenantId } = useParams({ from: '/tenants/$tenantId/providers' });
  const queryClient = useQueryClient();
  const providers = useQuery({
    queryKey: ['providers', tenantId],
    queryFn: () => api.get<{ data: Provider[] }>(`/tenants/${tenantId}/providers`),
  });
  const brands = useQuery({
    queryKey: ['brands', tenantId],
    queryFn: () => api.get<{ data: { slug: string; name: string }[] }>(`/tenants/${tenantId}/brands`),
  });
  const [editing, setEditing] = useState<Provider | null>(null);
  const { register, handleSubmit, reset, watch, formState } = useForm<ProviderForm>({ defaultValues: EMPTY_PROVIDER_FORM });
  const type = watch('type');
  const save = useMutation({
    mutationFn: (form: ProviderForm) => {
      const body = providerBody(form, editing !== null);
      return editing
        ? api.patch<Provider>(`/tenants/${tenantId}/providers/${editing.id}`, body)
        : api.post<Provider>(`/tenants/${tenantId}/providers`, body);
    },
    onSuccess: () => {
      setEditing(null);
      reset(EMPTY_PROVIDER_FORM);
      void queryClient.invalidateQueries({ queryKey: ['providers', tenantId] });
    },
  });
  const remove = useMutation({
    mutationFn: (provider: Provider) => api.del(`/tenants/${tenantId}/providers/${provider.id}`),
    onSuccess: (_, provider) => {
      // The form no longer edits what is gone.
      if (editing?.id === provider.id) {
        setEditing(null);
        reset(EMPTY_PROVIDER_FORM);
      }
      void queryClient.invalidateQueries({ queryKey: ['providers', tenantId] });
    },
  });
  const [email, setEmail] = useState('');
  const lookup = useMutation({
    mutationFn: (address: string) =>
      api.get<MergedLookup>(`/tenants/${tenantId}/providers-lookup?${new URLSearchParams({ email: address })}`),
  });

  const columns = useMemo<LegacyColumnDef<Provider>[]>(
    () => [
      { accessorKey: 'name', header: 'Name' },
      { accessorKey: 'type', header: 'Type' },
      { accessorKey: 'endpoint', header: 'Endpoint', cell: ({ row }) => <span className="break-all">{row.original.endpoint}</span> },
      { accessorKey: 'brand', header: 'Brand', cell: ({ row }) => row.original.brand ?? 'whole tenant' },
      { accessorKey: 'jitProvisioning', header: 'JIT', cell: ({ row }) => (row.original.jitProvisioning ? 'yes' : 'no') },
      {
        id: 'edit',
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) => (
          <div className="flex gap-2">
            <button
              type="button"
              className="btn"
              aria-label={`Edit ${row.original.name}`}
              onClick={() => {
                setEditing(row.original);
                reset(toForm(row.original));
                save.reset();
              }}
            >
              Edit
            </button>
            <ConfirmDialog
              trigger="Delete"
              triggerLabel={`Delete ${row.original.name}`}
              title={`Delete ${row.original.name}?`}
              description="Lookups stop asking this provider, and the links it made between users and their upstream identities are deleted. The users stay."
              confirm="Delete provider"
              pending={remove.isPending}
              error={messageOf(remove.error)}
              onOpen={remove.reset}
              onConfirm={() => remove.mutateAsync(row.original)}
            />
          </div>
        ),
      },
    ],
    [reset, save.reset, remove.isPending, remove.error, remove.reset, remove.mutateAsync],
  );
  const errors = fieldErrorsOf(save.error);
  const saveMessage = save.error instanceof SyntaxError ? null : messageOf(save.error);

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Identity providers</h1>
      <FormError message={messageOf(providers.error)} />
      <DataTable
        caption="Identity providers"
        columns={columns}
        data={providers.data?.data}
        loading={providers.isPending}
        empty="No identity provider: lookups answer from Roster's own data."
        rowId={(p) => p.id}
        testId="providers-table"
      />
      <section className="card" aria-labelledby="provider-form-title">
        <h2 id="provider-form-title" className="mb-3 text-lg font-semibold">
          {editing ? `Edit ${editing.name}` : 'New identity provider'}
        </h2>
        <form onSubmit={handleSubmit((f) => save.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-3">
          <Field id="provider-name" label="Provider name" error={formState.errors.name?.message ?? errors.name}>
            <input id="provider-name" className="input" {...register('name', { required: 'A name is required' })} />
          </Field>
          <Field id="provider-type" label="Type" error={errors.type}>
            <select id="provider-type" className="input" {...register('type')}>
              <option value="auth0">Auth0</option>
              <option value="scim">SCIM 2.0</option>
              <option value="http">HTTP JSON</option>
            </select>
          </Field>
          <Field id="provider-brand" label="Brand" error={errors.brand}>
            <select id="provider-brand" className="input" {...register('brand')}>
              <option value="">Whole tenant</option>
              {brands.data?.data.map((b) => (
                <option key={b.slug} value={b.slug}>
                  {b.name}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="provider-endpoint"
            label="Endpoint"
            className="sm:col-span-3"
            hint={type === 'auth0' ? 'https://{domain}' : type === 'scim' ? 'The SCIM base URL' : 'A URL template with {email}'}
            error={formState.errors.endpoint?.message ?? errors.endpoint}
          >
            <input id="provider-endpoint" className="input" {...register('endpoint', { required: 'An endpoint is required' })} />
          </Field>
          {type === 'auth0' ? (
            <>
              <Field id="provider-client-id" label="Client id" error={errors['credentials.clientId']}>
                <input id="provider-client-id" className="input" autoComplete="off" {...register('clientId')} />
              </Field>
              <Field id="provider-client-secret" label="Client secret" error={errors['credentials.clientSecret']}>
                <input id="provider-client-secret" type="password" className="input" autoComplete="off" {...register('clientSecret')} />
              </Field>
            </>
          ) : null}
          {type === 'scim' ? (
            <Field id="provider-token" label="Bearer token" error={errors['credentials.token']}>
              <input id="provider-token" type="password" className="input" autoComplete="off" {...register('token')} />
            </Field>
          ) : null}
          {type === 'http' ? (
            <>
              <Field id="provider-header-name" label="Header name" error={errorUnder(errors, 'credentials.headers')}>
                <input id="provider-header-name" className="input" placeholder="authorization" {...register('headerName')} />
              </Field>
              <Field id="provider-header-value" label="Header value">
                <input id="provider-header-value" type="password" className="input" autoComplete="off" {...register('headerValue')} />
              </Field>
            </>
          ) : null}
          {editing ? (
            <p className="muted text-sm sm:col-span-3">Credentials are never shown: leave them blank to keep the stored ones.</p>
          ) : null}
          <Field
            id="provider-settings"
            label="Settings (JSON, optional)"
            className="sm:col-span-3"
            hint='http: {"pointers":{"subject":"/id","email":"/email"}}'
            error={
              save.error instanceof SyntaxError ? save.error.message : (errorUnder(errors, 'settings') ?? errorUnder(errors, 'credentials'))
            }
          >
            <textarea id="provider-settings" className="input font-mono" rows={2} {...register('settings')} />
          </Field>
          <Field id="provider-timeout" label="Timeout (ms)" error={errors.timeoutMs}>
            <input id="provider-timeout" type="number" className="input" placeholder="2000" {...register('timeoutMs')} />
          </Field>
          <Field id="provider-cache" label="Cache (seconds)" error={errors.cacheTtlSeconds}>
            <input id="provider-cache" type="number" className="input" placeholder="0" {...register('cacheTtlSeconds')} />
          </Field>
          <label className="label flex items-center gap-2 self-end">
            <input type="checkbox" {...register('jitProvisioning')} /> Create local users found only upstream
          </label>
          <FormError message={saveMessage} className="sm:col-span-3" />
          <div className="flex gap-2 sm:col-span-3">
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>
              {editing ? 'Save provider' : 'Create provider'}
            </button>
            {editing ? (
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setEditing(null);
                  reset(EMPTY_PROVIDER_FORM);
                  save.reset();
                }}
              >
                Cancel
              </button>
            ) : null}
          </div>
        </form>
      </section>
      <section className="card grid gap-3" aria-labelledby="lookup-title">
        <h2 id="lookup-title" className="text-lg font-semibold">
          Test lookup by email
        </h2>
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (email.trim()) lookup.mutate(email.trim());
          }}
        >
          <Field id="lookup-email" label="Email to look up" error={fieldErrorsOf(lookup.error).email}>
            <input id="lookup-email" type="email" className="input" value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn-primary" disabled={!email.trim() || lookup.isPending}>
            Test lookup
          </button>
        </form>
        <FormError message={messageOf(lookup.error)} />
        {lookup.data ? <LookupResult result={lookup.data} /> : null}
      </section>
    </div>
  );
}
