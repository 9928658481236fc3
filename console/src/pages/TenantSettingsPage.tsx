import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useForm } from 'react-hook-form';
import { api, type Tenant } from '../api.ts';
import { commaList, fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import { tenantSettingsRoute } from '../router.tsx';
import { useSession } from './Shell.tsx';

interface SettingsForm {
  name: string;
  hosts: string;
  defaultCountry: string;
  sessionsLimit: string;
  sessionsPolicy: 'evict_oldest' | 'reject_new';
  rejectCommonPasswords: boolean;
}

interface BrandForm {
  slug: string;
  name: string;
}

type TenantDetail = Tenant & { rejectCommonPasswords: boolean };

/** One tenant's settings (platform operators edit them) and its brands. */
export function TenantSettingsPage() {
  const { tenantId } = tenantSettingsRoute.useParams();
  const session = useSession();
  const platform = !session.data?.operator || session.data.operator.role === 'platform';
  const queryClient = useQueryClient();
  const tenant = useQuery({ queryKey: ['tenant', tenantId], queryFn: () => api.get<TenantDetail>(`/tenants/${tenantId}`) });
  const brands = useQuery({
    queryKey: ['brands', tenantId],
    queryFn: () => api.get<{ data: { slug: string; name: string; createdAt: string }[] }>(`/tenants/${tenantId}/brands`),
  });
  const settings = useForm<SettingsForm>();
  useEffect(() => {
    const t = tenant.data;
    if (!t) return;
    settings.reset({
      name: t.name,
      hosts: t.hosts.join(', '),
      defaultCountry: t.defaultCountry ?? '',
      sessionsLimit: t.sessionsLimit === null ? '' : String(t.sessionsLimit),
      sessionsPolicy: t.sessionsPolicy as SettingsForm['sessionsPolicy'],
      rejectCommonPasswords: t.rejectCommonPasswords,
    });
  }, [tenant.data, settings.reset]);
  const save = useMutation({
    mutationFn: (form: SettingsForm) =>
      api.patch<TenantDetail>(`/tenants/${tenantId}`, {
        name: form.name,
        hosts: commaList(form.hosts),
        defaultCountry: form.defaultCountry.trim() || null,
        sessionsLimit: form.sessionsLimit.trim() === '' ? null : Number(form.sessionsLimit),
        sessionsPolicy: form.sessionsPolicy,
        rejectCommonPasswords: form.rejectCommonPasswords,
      }),
    onSuccess: (fresh) => {
      queryClient.setQueryData(['tenant', tenantId], fresh);
      void queryClient.invalidateQueries({ queryKey: ['tenants'] });
    },
  });
  const brandForm = useForm<BrandForm>({ defaultValues: { slug: '', name: '' } });
  const createBrand = useMutation({
    mutationFn: (form: BrandForm) => api.post(`/tenants/${tenantId}/brands`, form),
    onSuccess: () => {
      brandForm.reset();
      void queryClient.invalidateQueries({ queryKey: ['brands', tenantId] });
    },
  });
  const errors = fieldErrorsOf(save.error);
  const brandErrors = fieldErrorsOf(createBrand.error);
  if (tenant.isPending) return <p>Loading tenant…</p>;
  if (tenant.isError) return <p className="field-error">{tenant.error.message}</p>;

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Settings of {tenant.data.name}</h1>
      <section className="card" aria-labelledby="settings-title">
        <h2 id="settings-title" className="mb-3 text-lg font-semibold">
          Tenant
        </h2>
        <form onSubmit={settings.handleSubmit((form) => save.mutate(form))} noValidate className="grid gap-3 sm:grid-cols-2">
          <fieldset disabled={!platform} className="contents">
            <div>
              <label htmlFor="set-name" className="label">
                Name
              </label>
              <input id="set-name" className="input" {...settings.register('name')} />
              {errors.name ? <p className="field-error">{errors.name}</p> : null}
            </div>
            <div>
              <label htmlFor="set-hosts" className="label">
                Hosts (comma-separated)
              </label>
              <input id="set-hosts" className="input" {...settings.register('hosts')} />
              {errors.hosts ? <p className="field-error">{errors.hosts}</p> : null}
            </div>
            <div>
              <label htmlFor="set-country" className="label">
                Default country
              </label>
              <input id="set-country" className="input" maxLength={2} {...settings.register('defaultCountry')} />
              {errors.defaultCountry ? <p className="field-error">{errors.defaultCountry}</p> : null}
            </div>
            <div>
              <label htmlFor="set-limit" className="label">
                Sessions per user (blank: unlimited)
              </label>
              <input id="set-limit" className="input" inputMode="numeric" {...settings.register('sessionsLimit')} />
              {errors.sessionsLimit ? <p className="field-error">{errors.sessionsLimit}</p> : null}
            </div>
            <div>
              <label htmlFor="set-policy" className="label">
                Past the limit
              </label>
              <select id="set-policy" className="input" {...settings.register('sessionsPolicy')}>
                <option value="evict_oldest">End the oldest session</option>
                <option value="reject_new">Refuse the new sign-in</option>
              </select>
            </div>
            <label className="label flex items-center gap-2 self-end">
              <input type="checkbox" {...settings.register('rejectCommonPasswords')} />
              Refuse common passwords
            </label>
            {messageOf(save.error) ? (
              <p role="alert" className="field-error sm:col-span-2">
                {messageOf(save.error)}
              </p>
            ) : null}
            {save.isSuccess ? (
              <p role="status" className="sm:col-span-2">
                Saved.
              </p>
            ) : null}
            {platform ? (
              <div className="sm:col-span-2">
                <button type="submit" className="btn btn-primary" disabled={save.isPending}>
                  Save settings
                </button>
              </div>
            ) : null}
          </fieldset>
        </form>
      </section>
      <section className="card" aria-labelledby="brands-title">
        <h2 id="brands-title" className="mb-3 text-lg font-semibold">
          Brands
        </h2>
        {brands.data && brands.data.data.length === 0 ? <p className="muted">No brands: the tenant is one property.</p> : null}
        <ul className="mb-3">
          {brands.data?.data.map((b) => (
            <li key={b.slug}>
              {b.name} <code>{b.slug}</code> <span className="muted text-sm">since {formatDateTime(b.createdAt)}</span>
            </li>
          ))}
        </ul>
        <form onSubmit={brandForm.handleSubmit((form) => createBrand.mutate(form))} noValidate className="grid gap-3 sm:grid-cols-3">
          <div>
            <label htmlFor="brand-slug" className="label">
              Brand slug
            </label>
            <input id="brand-slug" className="input" {...brandForm.register('slug')} />
            {brandErrors.slug ? <p className="field-error">{brandErrors.slug}</p> : null}
          </div>
          <div>
            <label htmlFor="brand-name" className="label">
              Brand name
            </label>
            <input id="brand-name" className="input" {...brandForm.register('name')} />
            {brandErrors.name ? <p className="field-error">{brandErrors.name}</p> : null}
          </div>
          <div className="self-end">
            <button type="submit" className="btn" disabled={createBrand.isPending}>
              Add brand
            </button>
          </div>
          {messageOf(createBrand.error) ? <p className="field-error sm:col-span-3">{messageOf(createBrand.error)}</p> : null}
        </form>
      </section>
    </div>
  );
}
