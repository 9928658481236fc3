import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import type { LegacyColumnDef } from '@tanstack/react-table/legacy';
import { useMemo, useState } from 'react';
import { api } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError, SecretOnce } from '../components/Field.tsx';
import { fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';
import type { WebhookEndpoint } from './WebhooksPage.tsx';

interface RotatedSecret {
  secret: string;
  previousSecretValidUntil: string;
}

interface Delivery {
  id: string;
  messageId: string;
  eventId: string;
  attempt: number;
  attemptedAt: string;
  statusCode: number | null;
  durationMs: number;
  errorKind: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: string | null;
}

/**
 * One endpoint: its state, enable/disable, a test event, replay, the delivery log (refreshed while open), rotating its
 * signing secret (the new one shown once) and deleting it.
 */
export function WebhookDetailPage() {
  const { tenantId, endpointId } = useParams({ from: '/tenants/$tenantId/webhooks/$endpointId' });
  const queryClient = useQueryClient();
  const base = `/tenants/${tenantId}/webhooks/${endpointId}`;
  const endpoint = useQuery({
    queryKey: ['webhook', tenantId, endpointId],
    queryFn: () => api.get<WebhookEndpoint>(base),
    refetchInterval: 3000,
  });
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', tenantId, endpointId],
    queryFn: () => api.get<{ data: Delivery[]; nextCursor: string | null }>(`${base}/deliveries`),
    refetchInterval: 2000,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['webhook', tenantId, endpointId] });
    void queryClient.invalidateQueries({ queryKey: ['webhook-deliveries', tenantId, endpointId] });
  };
  const [notice, setNotice] = useState<string | null>(null);
  const test = useMutation({
    mutationFn: () => api.post<{ eventId: string }>(`${base}/test`),
    onSuccess: () => {
      setNotice('Test event queued.');
      refresh();
    },
  });
  const [onlyFailed, setOnlyFailed] = useState(true);
  const [since, setSince] = useState('');
  const replay = useMutation({
    mutationFn: () =>
      api.post<{ queued: number }>(`${base}/replay`, {
        ...(onlyFailed ? { onlyFailed } : {}),
        ...(since ? { since: new Date(since).toISOString() } : {}),
      }),
    onSuccess: (r) => {
      setNotice(`${r.queued} messages queued again.`);
      refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => api.patch<WebhookEndpoint>(base, { enabled }),
    onSuccess: refresh,
  });
  const [rotated, setRotated] = useState<RotatedSecret | null>(null);
  const rotate = useMutation({
    mutationFn: () => api.post<RotatedSecret>(`${base}/rotate-secret`),
    onSuccess: (r) => {
      setRotated(r);
      refresh();
    },
  });
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => api.del(base),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['webhook', tenantId, endpointId] });
      void queryClient.invalidateQueries({ queryKey: ['webhooks', tenantId] });
      void navigate({ to: '/tenants/$tenantId/webhooks', params: { tenantId } });
    },
  });

  const columns = useMemo<LegacyColumnDef<Delivery>[]>(
    () => [
      { accessorKey: 'attemptedAt', header: 'Attempted', cell: ({ row }) => formatDateTime(row.original.attemptedAt) },
      { accessorKey: 'eventId', header: 'Event', cell: ({ row }) => <code className="text-xs">{row.original.eventId}</code> },
      { accessorKey: 'attempt', header: 'Attempt' },
      {
        accessorKey: 'statusCode',
        header: 'Result',
        cell: ({ row }) => {
          const d = row.original;
          const ok = d.statusCode !== null && d.statusCode < 300;
          return <span data-testid="delivery-result">{ok ? `✓ ${d.statusCode}` : `✗ ${d.statusCode ?? d.errorKind ?? 'error'}`}</span>;
        },
      },
      { accessorKey: 'durationMs', header: 'Time', cell: ({ row }) => `${row.original.durationMs} ms` },
      { accessorKey: 'nextAttemptAt', header: 'Next retry', cell: ({ row }) => formatDateTime(row.original.nextAttemptAt) },
    ],
    [],
  );
  const e = endpoint.data;

  return (
    <div className="grid gap-4">
      <p>
        <Link to="/tenants/$tenantId/webhooks" params={{ tenantId }} className="text-blue-700 underline dark:text-blue-300">
          ← Webhooks
        </Link>
      </p>
      <h1 className="break-all text-2xl font-semibold">{e ? e.url : 'Endpoint'}</h1>
      <FormError message={messageOf(endpoint.error)} />
      {rotated ? (
        <SecretOnce
          title="New signing secret — copy it now, it is shown only once"
          secret={rotated.secret}
          testId="webhook-secret"
          note={`The old secret keeps signing next to the new one for 24 h, until ${formatDateTime(rotated.previousSecretValidUntil)}: switch the receiver over before then.`}
          onDone={() => setRotated(null)}
        />
      ) : null}
      {e ? (
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4" data-testid="endpoint-summary">
          <dt className="muted">Status</dt>
          <dd data-testid="endpoint-status">{e.enabled ? 'enabled' : `disabled${e.disabledReason ? ` (${e.disabledReason})` : ''}`}</dd>
          <dt className="muted">Events</dt>
          <dd>{e.eventTypes.join(', ')}</dd>
          <dt className="muted">Pending</dt>
          <dd>{e.pending}</dd>
          <dt className="muted">Failed</dt>
          <dd>{e.failed}</dd>
          <dt className="muted">Last success</dt>
          <dd>{formatDateTime(e.lastSuccessAt)}</dd>
          <dt className="muted">Last failure</dt>
          <dd>{formatDateTime(e.lastFailureAt)}</dd>
          {e.previousSecretValidUntil ? (
            <>
              <dt className="muted">Old secret signs until</dt>
              <dd data-testid="previous-secret-until">{formatDateTime(e.previousSecretValidUntil)}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className="btn btn-primary" onClick={() => test.mutate()} disabled={test.isPending}>
          Send test event
        </button>
        <button type="button" className="btn" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
          Rotate secret
        </button>
        {e ? (
          <>
            <button type="button" className="btn ml-auto" onClick={() => toggle.mutate(!e.enabled)} disabled={toggle.isPending}>
              {e.enabled ? 'Disable endpoint' : 'Enable endpoint'}
            </button>
            <ConfirmDialog
              trigger="Delete endpoint…"
              title="Delete this endpoint?"
              description={`Roster stops sending events to ${e.url}, and its queued messages and delivery log are deleted with it.`}
              confirm="Delete endpoint"
              pending={remove.isPending}
              error={messageOf(remove.error)}
              onOpen={remove.reset}
              onConfirm={() => remove.mutateAsync()}
            />
          </>
        ) : null}
      </div>
      <form
        className="card flex flex-wrap items-end gap-3"
        aria-label="Replay"
        onSubmit={(ev) => {
          ev.preventDefault();
          replay.mutate();
        }}
      >
        <Field id="replay-since" label="Replay messages since (optional)" error={fieldErrorsOf(replay.error).since}>
          <input id="replay-since" type="datetime-local" className="input" value={since} onChange={(ev) => setSince(ev.target.value)} />
        </Field>
        <label className="flex items-center gap-1 pb-2 text-sm">
          <input type="checkbox" checked={onlyFailed} onChange={(ev) => setOnlyFailed(ev.target.checked)} /> only failed messages
        </label>
        <button type="submit" className="btn" disabled={replay.isPending}>
          Replay
        </button>
      </form>
      <p role="status" className="text-sm">
        {notice}
      </p>
      <FormError message={messageOf(test.error) ?? messageOf(replay.error) ?? messageOf(toggle.error) ?? messageOf(rotate.error)} />
      <section className="card grid gap-2" aria-labelledby="deliveries-title">
        <h2 id="deliveries-title" className="text-lg font-semibold">
          Delivery log
        </h2>
        <DataTable
          caption="Delivery attempts, newest first"
          columns={columns}
          data={deliveries.data?.data}
          loading={deliveries.isPending}
          empty="No delivery yet."
          rowId={(d) => d.id}
          testId="deliveries-table"
        />
      </section>
    </div>
  );
}
