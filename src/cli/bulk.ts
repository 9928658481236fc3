/**
 * `roster import`, `roster export` and `roster imports status`: directly on the database (the CLI's registry runs
 * the job in-process), or against a running Roster over HTTP (`--url`/`--key`, `ROSTER_URL`/`ROSTER_KEY`). A live
 * progress bar on a terminal, plain lines otherwise, a summary table at the end, exit status 1 when rows failed.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { CLI_ACTOR, platformContext } from '../core/context.ts';
import type { ImportFormat } from '../modules/imports/import-parse.ts';
import { parseColumns } from '../modules/imports/import-rows.ts';
import type { ImportErrorView, ImportJobView, ImportOptions } from '../modules/imports/imports.service.ts';
import { createRegistry, type Registry } from '../registry.ts';
import { encodeExport } from '../use-cases/export-users.format.ts';
import type { ExportInclude } from '../use-cases/export-users.ts';
import { createImportWorker } from '../workers/import-worker.ts';

interface RemoteOptions {
  url?: string;
  key?: string;
}

/** Where a command runs: the database (a registry) or a server (URL and key). */
type Target = { kind: 'local'; registry: Registry; tenantId: string } | { kind: 'remote'; url: string; key: string };

class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function targetOf(opts: RemoteOptions & { tenant?: string }): Promise<Target> {
  const config = loadConfig();
  const url = opts.url ?? config.remote.url;
  if (url) {
    const key = opts.key ?? config.remote.key;
    if (!key) throw new CliError('KEY_REQUIRED', 'a remote Roster needs an API key: --key or ROSTER_KEY');
    return { kind: 'remote', url, key };
  }
  if (!opts.tenant) throw new CliError('TENANT_REQUIRED', '--tenant is required when working on the database directly');
  const registry = await createRegistry(config);
  const tenant = await registry.tenants.resolveTenant(opts.tenant);
  return { kind: 'local', registry, tenantId: tenant.id };
}

async function call(target: Extract<Target, { kind: 'remote' }>, path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(new URL(path, target.url), { ...init, headers: { authorization: `Bearer ${target.key}`, ...(init.headers ?? {}) } });
  } catch (error) {
    throw new CliError('SERVER_UNREACHABLE', `the server at ${target.url} did not answer (${(error as Error).message})`);
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string; title?: string };
    throw new CliError(problem.code ?? `HTTP_${res.status}`, problem.detail ?? problem.title ?? `HTTP ${res.status}`);
  }
  return res;
}

/** Lines of a file (a row estimate for the progress bar's total). */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) for (const byte of chunk) if (byte === 10) lines++;
  return lines;
}

/** Follows a job to its end: a progress bar on a terminal, a line every two seconds otherwise. */
async function follow(read: () => Promise<ImportJobView>, total: number | null): Promise<ImportJobView> {
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new SingleBar({
        format:
          'import [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | created {created} updated {updated} failed {failed}',
        stream: process.stderr,
        hideCursor: true,
      })
    : null;
  bar?.start(total ?? 0, 0, { rate: 0, created: 0, updated: 0, failed: 0 });
  let lastLine = 0;
  for (;;) {
    const job = await read();
    const payload = { rate: job.rate ?? 0, created: job.created, updated: job.updated, failed: job.failed };
    if (bar) {
      if (job.rowsRead > bar.getTotal()) bar.setTotal(job.rowsRead);
      bar.update(job.rowsRead, payload);
    } else if (Date.now() - lastLine > 2000 || ['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      lastLine = Date.now();
      process.stderr.write(
        `import ${job.id}: ${job.status}, ${job.rowsRead}${total ? `/${total}` : ''} rows, ${job.rate ?? 0} rows/s, created ${job.created}, updated ${job.updated}, unchanged ${job.unchanged}, failed ${job.failed}\n`,
      );
    }
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      bar?.update(job.rowsRead, payload);
      bar?.stop();
      return job;
    }
    await new Promise((done) => setTimeout(done, tty ? 200 : 500));
  }
}

function summary(job: ImportJobView, errors: ImportErrorView[]): void {
  const seconds = job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : 0;
  const table = new Table({ head: ['import', 'status', 'rows', 'created', 'updated', 'unchanged', 'failed', 'seconds', 'rows/s'] });
  table.push([job.id, job.status, job.rowsRead, job.created, job.updated, job.unchanged, job.failed, seconds.toFixed(1), job.rate ?? 0]);
  process.stdout.write(`${table.toString()}\n`);
  if (job.error) process.stdout.write(`error: ${job.error}\n`);
  if (errors.length > 0) {
    const rows = new Table({ head: ['row', 'field', 'code', 'message', 'identifiers'] });
    for (const e of errors) rows.push([e.row, e.field ?? '', e.code, e.message, Object.values(e.identifiers).join(' ')]);
    process.stdout.write(
      `${rows.toString()}\n${job.failed > errors.length ? `(first ${errors.length} of ${job.failed} failed rows; GET /v1/imports/${job.id}/errors has them all)\n` : ''}`,
    );
  }
}

let exitStatus = 0;

/** The command's exit status: 1 when rows failed or the job did not succeed. */
function exitFor(job: ImportJobView): void {
  exitStatus = job.status === 'succeeded' && job.failed === 0 ? 0 : 1;
}

/**
 * Sets the exit status once the command is done, after the database is closed: closing embedded PGlite (an
 * Emscripten module) resets `process.exitCode`.
 */
function withExitStatus<A extends unknown[]>(command: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    await command(...args);
    process.exitCode = exitStatus;
  };
}

const FORMAT_TYPES: Record<ImportFormat, string> = {
  ndjson: 'application/x-ndjson',
  auth0: 'application/x-ndjson',
  csv: 'text/csv',
  json: 'application/json',
};

function formatOf(file: string, format?: string): ImportFormat {
  if (format) return format as ImportFormat;
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.json$/i.test(file)) return 'json';
  return 'ndjson';
}

interface ImportCommandOptions extends RemoteOptions {
  tenant?: string;
  match?: ImportOptions['match'];
  mode: ImportOptions['mode'];
  dryRun?: boolean;
  format?: string;
  columns?: string;
  delimiter?: string;
  onError: ImportOptions['onError'];
}

async function importCommand(file: string, opts: ImportCommandOptions): Promise<void> {
  const format = formatOf(file, opts.format);
  const options: ImportOptions = {
    match: opts.match ?? (format === 'auth0' ? 'externalId' : 'email'),
    mode: opts.mode,
    dryRun: opts.dryRun === true,
    onError: opts.onError,
    ...(opts.delimiter ? { delimiter: opts.delimiter } : {}),
    ...(opts.columns ? { columns: parseColumns(opts.columns) } : {}),
  };
  const total = Math.max(0, (await countLines(file)) - (format === 'csv' ? 1 : 0)) || null;
  const target = await targetOf(opts);
  if (target.kind === 'remote') {
    const query = new URLSearchParams({
      format,
      match: options.match,
      mode: options.mode,
      dryRun: String(options.dryRun),
      onError: options.onError,
    });
    if (opts.delimiter) query.set('delimiter', opts.delimiter);
    if (opts.columns) query.set('columns', opts.columns);
    const res = await call(target, `/v1/imports?${query}`, {
      method: 'POST',
      headers: { 'content-type': FORMAT_TYPES[format] },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const created = (await res.json()) as ImportJobView;
    const job = await follow(async () => (await (await call(target, `/v1/imports/${created.id}`)).json()) as ImportJobView, total);
    const errors =
      job.failed > 0
        ? ((await (await call(target, `/v1/imports/${job.id}/errors?limit=20`)).json()) as { data: ImportErrorView[] }).data
        : [];
    summary(job, errors);
    exitFor(job);
    return;
  }
  const { registry } = target;
  try {
    const ctx = platformContext(target.tenantId, CLI_ACTOR);
    const { job: created } = await registry.imports.createImport(ctx, createReadStream(file, { highWaterMark: 1024 * 1024 }), {
      format,
      options,
    });
    const worker = createImportWorker(registry);
    // This process runs queued jobs (ours among them) while the bar follows ours; a server may take part too.
    worker.start(200);
    const job = await follow(() => registry.imports.getImport(ctx, created.id), total);
    await worker.stop();
    const errors = job.failed > 0 ? (await registry.imports.listErrors(ctx, job.id, { limit: 20 })).data : [];
    summary(job, errors);
    exitFor(job);
  } finally {
    await registry.close();
  }
}

interface ExportCommandOptions extends RemoteOptions {
  tenant?: string;
  format: 'ndjson' | 'csv';
  include?: string;
  status?: string;
  role?: string;
  brand?: string;
  q?: string;
  createdAfter?: string;
  createdBefore?: string;
}

async function exportCommand(opts: ExportCommandOptions): Promise<void> {
  const filters: Record<string, string> = {};
  for (const key of ['status', 'role', 'brand', 'q', 'createdAfter', 'createdBefore'] as const)
    if (opts[key]) filters[key] = opts[key] as string;
  const target = await targetOf(opts);
  const out = process.stdout;
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((done) => out.once('drain', () => done())));
  if (target.kind === 'remote') {
    const query = new URLSearchParams({ ...filters, format: opts.format, ...(opts.include ? { include: opts.include } : {}) });
    const res = await call(target, `/v1/users/export?${query}`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) await write(Buffer.from(chunk).toString('utf8'));
    return;
  }
  const { registry } = target;
  try {
    const include = new Set((opts.include ?? '').split(',').filter(Boolean) as ExportInclude[]);
    const ctx = platformContext(target.tenantId, CLI_ACTOR);
    const items = await registry.usersExport.exportUsers(ctx, filters, include);
    for await (const text of encodeExport(items, opts.format, include)) await write(text);
  } finally {
    await registry.close();
  }
}

async function statusCommand(id: string, opts: RemoteOptions & { tenant?: string; follow?: boolean }): Promise<void> {
  const target = await targetOf(opts);
  if (target.kind === 'remote') {
    const read = async () => (await (await call(target, `/v1/imports/${encodeURIComponent(id)}`)).json()) as ImportJobView;
    const job = opts.follow ? await follow(read, null) : await read();
    const errors =
      job.failed > 0
        ? ((await (await call(target, `/v1/imports/${job.id}/errors?limit=20`)).json()) as { data: ImportErrorView[] }).data
        : [];
    summary(job, errors);
    exitFor(job);
    return;
  }
  const { registry } = target;
  try {
    const ctx = platformContext(target.tenantId, CLI_ACTOR);
    const read = () => registry.imports.getImport(ctx, id);
    const job = opts.follow ? await follow(read, null) : await read();
    const errors = job.failed > 0 ? (await registry.imports.listErrors(ctx, job.id, { limit: 20 })).data : [];
    summary(job, errors);
    exitFor(job);
  } finally {
    await registry.close();
  }
}

const remoteOptions = (command: Command) =>
  command
    .option('--url <url>', 'a running Roster to work through (else ROSTER_URL; unset: the database directly)')
    .option('--key <secret>', 'its API key (prefer ROSTER_KEY: argv is visible to others)');

/** Adds the bulk import and export commands to the CLI. */
export function registerBulkCommands(program: Command): void {
  remoteOptions(
    program
      .command('import')
      .description('import users from a file (NDJSON, CSV, JSON array, Auth0 export) as a resumable job')
      .argument('<file>', 'the file to import')
      .option('--tenant <slug>', 'tenant slug or id (direct database mode)')
      .option('--match <field>', 'identifier that finds existing users: email, phone, externalId or username')
      .option('--mode <mode>', 'upsert, create or update', 'upsert')
      .option('--dry-run', 'validate and report; write nothing')
      .option('--format <format>', 'ndjson, csv, json or auth0 (default: from the file name)')
      .option('--columns <map>', 'header=field pairs for other headers, e.g. E-Mail=email,Tier=attributes.tier')
      .option('--delimiter <char>', 'CSV field delimiter', undefined)
      .option('--on-error <policy>', 'skip bad rows, or abort at the first', 'skip'),
  ).action(withExitStatus(importCommand));
  remoteOptions(
    program
      .command('export')
      .description('export users as NDJSON or CSV to stdout, from one consistent snapshot')
      .option('--tenant <slug>', 'tenant slug or id (direct database mode)')
      .option('--format <format>', 'ndjson or csv', 'ndjson')
      .option('--include <list>', 'companies,plans')
      .option('--status <status>', 'active or deactivated')
      .option('--role <role>', 'users holding this role')
      .option('--brand <slug>', 'members of this brand')
      .option('--q <text>', 'search text')
      .option('--created-after <time>', 'RFC 3339 date-time')
      .option('--created-before <time>', 'RFC 3339 date-time'),
  ).action(exportCommand);
  const imports = program.command('imports').description('follow import jobs');
  remoteOptions(
    imports
      .command('status')
      .description('show an import job (and its first failed rows); --follow until it ends')
      .argument('<id>', 'the job id')
      .option('--tenant <slug>', 'tenant slug or id (direct database mode)')
      .option('--follow', 'follow the job with a progress bar until it ends'),
  ).action(withExitStatus(statusCommand));
}
