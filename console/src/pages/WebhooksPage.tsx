import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import type { LegacyColumnDef } from '@tanstack/react-table/legacy';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError, SecretOnce } from '../components/Field.tsx';
import { commaList, errorUnder, fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** Until when the secret in use before the last rotation still signs too; null when none does. */
  previousSecretValidUntil: string | null;
  pending: number;
  failed: number;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  createdAt: string;
}

interface EndpointForm {
  url: string;
  eventTypes: string;
  description: string;
}

/** A tenant's webhook endpoints: listed with their backlog, created with the signing secret shown once. */
export function WebhooksPage() {
  const { tenantId } = useParams({ from: '/tenants/$tenantId/webhooks' });
  const queryClient = useQueryClient();
  const endpoints = useQuery({
    queryKey: ['webhooks', tenantId],
    queryFn: () => api.get<{ data: WebhookEndpoint[] }>(`/tenants/${tenantId}/webhooks`),
  });
  const [secret, setSecret] = useState<string | null>(null);
  const { register, handleSubmit, reset, formState } = useForm<EndpointForm>({
    defaultValues: { url: '', eventTypes: '', description: '' },
  });
  const create = useMutation({
    mutationFn: (form: EndpointForm) => {
      const eventTypes = commaList(form.eventTypes);
      return api.post<WebhookEndpoint & { secret: string }>(`/tenants/${tenantId}/webhooks`, {
        url: form.url,
        ...(eventTypes.length > 0 ? { eventTypes } : {}),
        ...(form.description ? { description: form.description } : {}),
      });
    },
    onSuccess: (endpoint) => {
      setSecret(endpoint.secret);
      reset();
      void queryClient.invalidateQueries({ queryKey: ['webhooks', tenantId] });
    },
  });
  const columns = useMemo<LegacyColumnDef<WebhookEndpoint>[]>(
    () => [
      {
        accessorKey: 'url',
        header: 'URL',
        cell: ({ row }) => (
          <Link
            to="/tenants/$tenantId/webhooks/$endpointId"
            params={{ tenantId, endpointId: row.original.id }}
            className="break-all text-blue-700 underline dark:text-blue-300"
          >
            {row.original.url}
          </Link>
        ),
      },
      { accessorKey: 'eventTypes', header: 'Events', cell: ({ row }) => row.original.eventTypes.join(', ') },
      {
        accessorKey: 'enabled',
        header: 'Status',
        cell: ({ row }) =>
          row.original.enabled ? 'enabled' : `disabled${row.original.disabledReason ? ` (${row.original.disabledReason})` : ''}`,
      },
      { accessorKey: 'pending', header: 'Pending' },
      { accessorKey: 'failed', header: 'Failed' },
      { accessorKey: 'lastSuccessAt', header: 'Last success', cell: ({ row }) => formatDateTime(row.original.lastSuccessAt) },
    ],
    [tenantId],
  );
  const errors = fieldErrorsOf(create.error);

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Webhooks</h1>
      {secret ? (
        <SecretOnce
          title="New endpoint — copy the signing secret now, it is shown only once"
          secret={secret}
          testId="webhook-secret"
          onDone={() => setSecret(null)}
        />
      ) : null}
      <FormError message={messageOf(endpoints.error)} />
      <DataTable
        caption="Webhook endpoints"
        columns={columns}
        data={endpoints.data?.data}
        loading={endpoints.isPending}
        empty="No endpoints yet."
        rowId={(e) => e.id}
        testId="webhooks-table"
      />
      <section className="card" aria-labelledby="new-endpoint">
        <h2 id="new-endpoint" className="mb-3 text-lg font-semibold">
          New endpoint
        </h2>
        <form onSubmit={handleSubmit((f) => create.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-3">
          <Field id="webhook-url" label="Endpoint URL" error={formState.errors.url?.message ?? errors.url}>
            <input
              id="webhook-url"
              type="url"
              className="input"
              placeholder="https://example.com/hooks"
              {...register('url', { required: 'A URL is required' })}
            />
          </Field>
          <Field
            id="webhook-events"
            label="Event types (blank: every event)"
            error={errorUnder(errors, 'eventTypes')}
            hint="user.*, user.created"
          >
            <input id="webhook-events" className="input" {...register('eventTypes')} />
          </Field>
          <Field id="webhook-description" label="Description (optional)" error={errors.description}>
            <input id="webhook-description" className="input" {...register('description')} />
          </Field>
          <FormError message={messageOf(create.error)} className="sm:col-span-3" />
          <div className="sm:col-span-3">
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              Create endpoint
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}
