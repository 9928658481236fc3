/**
 * `roster import`, `roster export` and `roster imports status`: directly on the database (the CLI's registry runs
 * the job in-process), or against a running Roster through the SDK (`--url`/`--key`, `ROSTER_URL`/`ROSTER_KEY`, or
 * the `roster login` profile when no `--tenant` is given). A live
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
import type { ExportInclude } from '../use-cases/export-users.ts';
import { createImportWorker } from '../workers/import-worker.ts';
import { hasProfile, remoteClient, type SdkClient } from './remote-client.ts';

interface RemoteOptions {
  url?: string;
  key?: string;
  profile?: string;
}

/** Where a command runs: the database (a registry) or a server (an SDK client). */
type Target = { kind: 'local'; registry: Registry; tenantId: string } | { kind: 'remote'; roster: SdkClient };

class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Remote when a URL is given (flag or ROSTER_URL), or when no --tenant is and a login profile exists; else local.
 * @throws CliError KEY_REQUIRED (a URL without a key), TENANT_REQUIRED (neither a tenant nor a remote)
 */
async function targetOf(opts: RemoteOptions & { tenant?: string }): Promise<Target> {
  const config = loadConfig();
  const url = opts.url ?? config.remote.url;
  if (url && !(opts.key ?? config.remote.key)) throw new CliError('KEY_REQUIRED', 'a remote Roster needs an API key: --key or ROSTER_KEY');
  if (url || (!opts.tenant && hasProfile(opts.profile))) return { kind: 'remote', roster: await remoteClient(config, opts) };
  if (!opts.tenant) throw new CliError('TENANT_REQUIRED', '--tenant is required when working on the database directly');
  const registry = await createRegistry(config);
  const tenant = await registry.tenants.resolveTenant(opts.tenant);
  return { kind: 'local', registry, tenantId: tenant.id };
}

/** The first failed rows of a job (the summary shows 20). */
async function firstErrors(roster: SdkClient, job: ImportJobView): Promise<ImportErrorView[]> {
  const errors: ImportErrorView[] = [];
  if (job.failed === 0) return errors;
  for await (const error of roster.imports.errors(job.id)) {
    errors.push(error as unknown as ImportErrorView);
    if (errors.length >= 20) break;
  }
  return errors;
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

// cli-table3 colours its head and borders itself: only on a terminal (and not under NO_COLOR).
const TABLE_STYLE = process.stdout.isTTY && !process.env.NO_COLOR ? {} : { head: [], border: [] };

function summary(job: ImportJobView, errors: ImportErrorView[]): void {
  const seconds = job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : 0;
  const table = new Table({
    head: ['import', 'status', 'rows', 'created', 'updated', 'unchanged', 'failed', 'seconds', 'rows/s'],
    style: TABLE_STYLE,
  });
  table.push([job.id, job.status, job.rowsRead, job.created, job.updated, job.unchanged, job.failed, seconds.toFixed(1), job.rate ?? 0]);
  process.stdout.write(`${table.toString()}\n`);
  if (job.error) process.stdout.write(`error: ${job.error}\n`);
  if (errors.length > 0) {
    const rows = new Table({ head: ['row', 'field', 'code', 'message', 'identifiers'], style: TABLE_STYLE });
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
    const { roster } = target;
    const created = (await roster.imports.start(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, {
      format,
      match: options.match,
      mode: options.mode,
      dryRun: options.dryRun,
      onError: options.onError,
      ...(opts.delimiter ? { delimiter: opts.delimiter } : {}),
      ...(opts.columns ? { columns: opts.columns } : {}),
    })) as unknown as ImportJobView;
    const job = await follow(async () => (await roster.imports.get(created.id)) as unknown as ImportJobView, total);
    summary(job, await firstErrors(roster, job));
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
    const res = await target.roster.exports.download({
      ...filters,
      format: opts.format,
      ...(opts.include ? { include: opts.include } : {}),
    });
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) await write(Buffer.from(chunk).toString('utf8'));
    return;
  }
  const { registry } = target;
  try {
    const include = new Set((opts.include ?? '').split(',').filter(Boolean) as ExportInclude[]);
    const ctx = platformContext(target.tenantId, CLI_ACTOR);
    for await (const text of await registry.usersExport.exportText(ctx, filters, include, opts.format)) await write(text);
  } finally {
    await registry.close();
  }
}

async function statusCommand(id: string, opts: RemoteOptions & { tenant?: string; follow?: boolean }): Promise<void> {
  const target = await targetOf(opts);
  if (target.kind === 'remote') {
    const read = async () => (await target.roster.imports.get(id)) as unknown as ImportJobView;
    const job = opts.follow ? await follow(read, null) : await read();
    summary(job, await firstErrors(target.roster, job));
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
    .option('--key <secret>', 'its API key (prefer ROSTER_KEY: argv is visible to others)')
    .option('--profile <name>', 'the roster login profile to use when neither --url nor --tenant is given', 'default');

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
