import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import type { LegacyColumnDef } from '@tanstack/react-table/legacy';
import { useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { api, apiUpload } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Field, FormError } from '../components/Field.tsx';
import { fieldErrorsOf, formatDateTime, messageOf } from '../components/forms.ts';

interface ImportJob {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  options: { match: string; mode: string; dryRun: boolean };
  bytes: number;
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  rate: number | null;
}

interface ImportRowError {
  row: number;
  field: string | null;
  code: string;
  message: string;
  identifiers: Record<string, string>;
}

interface UploadForm {
  files: FileList | null;
  match: 'email' | 'externalId' | 'phone' | 'username';
  mode: 'upsert' | 'create' | 'update';
  dryRun: boolean;
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** The rows of a CSV file, counted on the client for the progress bar (a header line, then one row a line). */
export function countCsvRows(text: string): number {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return Math.max(0, lines.length - 1);
}

/**
 * Cancels a queued or running job (it stops after its current batch; rows already applied stay): the job's view and
 * the recent jobs take the answer.
 */
function useCancelImport(tenantId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => api.post<ImportJob>(`/tenants/${tenantId}/imports/${jobId}/cancel`),
    onSuccess: (job) => {
      queryClient.setQueryData(['import', tenantId, job.id], job);
      void queryClient.invalidateQueries({ queryKey: ['imports', tenantId] });
    },
  });
}

/** One job: a progress bar while it runs (polled), then its counts and its error report; cancel while unfinished. */
function JobView(props: { tenantId: string; jobId: string; expectedRows: number | null }) {
  const job = useQuery({
    queryKey: ['import', props.tenantId, props.jobId],
    queryFn: () => api.get<ImportJob>(`/tenants/${props.tenantId}/imports/${props.jobId}`),
    refetchInterval: (query) => (query.state.data && FINISHED.has(query.state.data.status) ? false : 500),
  });
  const done = job.data ? FINISHED.has(job.data.status) : false;
  const cancel = useCancelImport(props.tenantId);
  const errors = useQuery({
    queryKey: ['import-errors', props.tenantId, props.jobId],
    queryFn: () => api.get<{ data: ImportRowError[] }>(`/tenants/${props.tenantId}/imports/${props.jobId}/errors`),
    enabled: done && (job.data?.failed ?? 0) > 0,
  });
  const columns = useMemo<LegacyColumnDef<ImportRowError>[]>(
    () => [
      { accessorKey: 'row', header: 'Row (after the header)' },
      { accessorKey: 'field', header: 'Field', cell: ({ row }) => row.original.field ?? '—' },
      { accessorKey: 'code', header: 'Code', cell: ({ row }) => <code>{row.original.code}</code> },
      { accessorKey: 'message', header: 'Message' },
      {
        id: 'identifiers',
        header: 'Identifiers',
        cell: ({ row }) =>
          Object.entries(row.original.identifiers)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || '—',
      },
    ],
    [],
  );
  const j = job.data;
  if (!j) return <p>{job.error ? messageOf(job.error) : 'Loading the job…'}</p>;
  const max = props.expectedRows && props.expectedRows > 0 ? props.expectedRows : Math.max(j.rowsRead, 1);
  const value = done ? max : Math.min(j.rowsRead, max);
  return (
    <section className="card grid gap-3" aria-labelledby="job-title" data-testid="import-job">
      <h2 id="job-title" className="text-lg font-semibold">
        Import {j.options.dryRun ? '(dry run) ' : ''}— <span data-testid="import-status">{j.status}</span>
      </h2>
      {done ? null : (
        <div>
          <button type="button" className="btn btn-danger" onClick={() => cancel.mutate(j.id)} disabled={cancel.isPending}>
            Cancel import
          </button>
        </div>
      )}
      <FormError message={messageOf(cancel.error)} />
      <div>
        <label htmlFor="import-progress" className="label">
          Progress: {j.rowsRead} of {props.expectedRows ?? '?'} rows read
        </label>
        <progress id="import-progress" className="w-full" max={max} value={value} />
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-5" data-testid="import-counts">
        {(['created', 'updated', 'unchanged', 'failed'] as const).map((k) => (
          <div key={k}>
            <dt className="muted">{k}</dt>
            <dd data-testid={`import-${k}`}>{j[k]}</dd>
          </div>
        ))}
        <div>
          <dt className="muted">rate</dt>
          <dd>{j.rate !== null ? `${Math.round(j.rate)} rows/s` : '—'}</dd>
        </div>
      </dl>
      {j.error ? (
        <p role="alert" className="field-error">
          {j.error}
        </p>
      ) : null}
      {done && j.failed > 0 ? (
        <div>
          <h3 className="mb-2 font-semibold">Error report</h3>
          <DataTable
            caption="Rows that could not be imported"
            columns={columns}
            data={errors.data?.data}
            loading={errors.isPending}
            empty="No errors."
            rowId={(e) => `${e.row}-${e.field ?? ''}-${e.code}`}
            testId="import-errors"
          />
        </div>
      ) : null}
    </section>
  );
}

/** CSV imports: upload with options, follow the job, read its error report; the tenant's recent jobs. */
export function ImportsPage() {
  const { tenantId } = useParams({ from: '/tenants/$tenantId/imports' });
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState<{ id: string; rows: number | null } | null>(null);
  const jobs = useQuery({
    queryKey: ['imports', tenantId],
    queryFn: () => api.get<{ data: ImportJob[] }>(`/tenants/${tenantId}/imports`),
    refetchInterval: 5000,
  });
  const { register, handleSubmit, formState } = useForm<UploadForm>({
    defaultValues: { files: null, match: 'email', mode: 'upsert', dryRun: false },
  });
  const upload = useMutation({
    mutationFn: async (form: UploadForm) => {
      const file = form.files?.[0];
      if (!file) throw new Error('Choose a CSV file');
      const rows = countCsvRows(await file.text());
      const query = new URLSearchParams({ match: form.match, mode: form.mode, dryRun: String(form.dryRun) });
      const job = await apiUpload<ImportJob>(`/tenants/${tenantId}/imports?${query}`, file, 'text/csv');
      return { job, rows };
    },
    onSuccess: ({ job, rows }) => {
      setCurrent({ id: job.id, rows });
      void queryClient.invalidateQueries({ queryKey: ['imports', tenantId] });
    },
  });
  const cancel = useCancelImport(tenantId);
  const columns = useMemo<LegacyColumnDef<ImportJob>[]>(
    () => [
      { accessorKey: 'createdAt', header: 'Uploaded', cell: ({ row }) => formatDateTime(row.original.createdAt) },
      { accessorKey: 'status', header: 'Status' },
      { accessorKey: 'rowsRead', header: 'Rows' },
      { accessorKey: 'created', header: 'Created' },
      { accessorKey: 'updated', header: 'Updated' },
      { accessorKey: 'failed', header: 'Failed' },
      {
        id: 'open',
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) => {
          const when = formatDateTime(row.original.createdAt);
          return (
            <div className="flex gap-2">
              <button
                type="button"
                className="btn"
                aria-label={`Show the import of ${when}`}
                onClick={() => setCurrent({ id: row.original.id, rows: null })}
              >
                Show
              </button>
              {FINISHED.has(row.original.status) ? null : (
                <button
                  type="button"
                  className="btn btn-danger"
                  aria-label={`Cancel the import of ${when}`}
                  onClick={() => cancel.mutate(row.original.id)}
                  disabled={cancel.isPending}
                >
                  Cancel
                </button>
              )}
            </div>
          );
        },
      },
    ],
    [cancel.mutate, cancel.isPending],
  );
  const serverErrors = fieldErrorsOf(upload.error);

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold">Imports</h1>
      <section className="card" aria-labelledby="upload-title">
        <h2 id="upload-title" className="mb-3 text-lg font-semibold">
          Upload a CSV file
        </h2>
        <form onSubmit={handleSubmit((f) => upload.mutate(f))} noValidate className="grid gap-3 sm:grid-cols-4">
          <Field
            id="import-file"
            label="CSV file"
            className="sm:col-span-2"
            hint="A header row: email, name, firstName, phone, externalId, attributes.<name>…"
            error={formState.errors.files?.message ?? serverErrors.file}
          >
            <input
              id="import-file"
              type="file"
              accept=".csv,text/csv"
              className="input"
              {...register('files', { validate: (files) => (files && files.length > 0) || 'Choose a CSV file' })}
            />
          </Field>
          <Field id="import-match" label="Match users by" error={serverErrors.match}>
            <select id="import-match" className="input" {...register('match')}>
              <option value="email">email</option>
              <option value="externalId">external id</option>
              <option value="phone">phone</option>
              <option value="username">username</option>
            </select>
          </Field>
          <Field id="import-mode" label="Mode" error={serverErrors.mode}>
            <select id="import-mode" className="input" {...register('mode')}>
              <option value="upsert">create or update</option>
              <option value="create">create only</option>
              <option value="update">update only</option>
            </select>
          </Field>
          <label className="label flex items-center gap-2">
            <input type="checkbox" {...register('dryRun')} /> Dry run (check every row, change nothing)
          </label>
          <FormError message={messageOf(upload.error)} className="sm:col-span-4" />
          <div className="sm:col-span-4">
            <button type="submit" className="btn btn-primary" disabled={upload.isPending}>
              Upload and import
            </button>
          </div>
        </form>
      </section>
      {current ? <JobView key={current.id} tenantId={tenantId} jobId={current.id} expectedRows={current.rows} /> : null}
      <section className="grid gap-2" aria-labelledby="jobs-title">
        <h2 id="jobs-title" className="text-lg font-semibold">
          Recent imports
        </h2>
        <DataTable
          caption="Recent imports, newest first"
          columns={columns}
          data={jobs.data?.data}
          loading={jobs.isPending}
          empty="No import yet."
          rowId={(j) => j.id}
        />
        <FormError message={messageOf(cancel.error)} />
      </section>
    </div>
  );
}
