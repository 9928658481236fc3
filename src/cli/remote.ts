/**
 * The CLI while a server holds the embedded data directory: the commands that have an admin API counterpart run
 * through the server's HTTP API (with the platform admin token); the others refuse, saying how to proceed.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { type LockOwner, readDataDirLock } from '../db/data-dir-lock.ts';

/** One HTTP call standing for a CLI command, and what the command prints from its answer. */
interface RemoteCall {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** The command's output from the JSON answer (the same view the local command prints). */
  output?: (answer: unknown) => unknown;
}

type Options = Record<string, unknown>;

const seg = (value: unknown) => encodeURIComponent(String(value));
const tenantPath = (opts: Options) => `/v1/admin/tenants/${seg(opts.tenant)}`;
const dataOf = (answer: unknown) => (answer as { data: unknown }).data;
const json = (text: string | undefined) => (text === undefined ? undefined : JSON.parse(text));

/** Every CLI command that has an admin API route, by `<group> <command>`. */
const REMOTE: Record<string, (opts: Options, args: string[]) => RemoteCall> = {
  'tenants create': (o) => ({
    method: 'POST',
    path: '/v1/admin/tenants',
    body: { slug: o.slug, name: o.name, hosts: o.host, ...(o.defaultCountry ? { defaultCountry: o.defaultCountry } : {}) },
  }),
  'tenants list': () => ({ method: 'GET', path: '/v1/admin/tenants?limit=200', output: dataOf }),
  'brands create': (o) => ({ method: 'POST', path: `${tenantPath(o)}/brands`, body: { slug: o.slug, name: o.name } }),
  'keys create': (o) => ({
    method: 'POST',
    path: `${tenantPath(o)}/keys`,
    body: {
      name: o.name,
      ...(o.brand ? { brand: o.brand } : {}),
      ...(typeof o.scopes === 'string'
        ? {
            scopes: o.scopes
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : {}),
    },
  }),
  'keys revoke': (o, [keyId]) => ({ method: 'DELETE', path: `${tenantPath(o)}/keys/${seg(keyId)}` }),
  'keys list': (o) => ({ method: 'GET', path: `${tenantPath(o)}/keys`, output: dataOf }),
  'providers create': (o) => ({
    method: 'POST',
    path: `${tenantPath(o)}/providers`,
    body: {
      name: o.name,
      type: o.type,
      endpoint: o.endpoint,
      // From a file or stdin, never argv, as in the local command.
      credentials: o.credentialsFile ? JSON.parse(readFileSync(o.credentialsFile === '-' ? 0 : String(o.credentialsFile), 'utf8')) : {},
      ...(o.brand ? { brand: o.brand } : {}),
      ...(o.settings ? { settings: json(String(o.settings)) } : {}),
      ...(o.fieldMapping ? { fieldMapping: json(String(o.fieldMapping)) } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.cacheTtl !== undefined ? { cacheTtlSeconds: o.cacheTtl } : {}),
      jitProvisioning: o.jit === true,
    },
  }),
  'providers list': (o) => ({ method: 'GET', path: `${tenantPath(o)}/providers`, output: dataOf }),
  'providers delete': (o, [provider]) => ({
    method: 'DELETE',
    path: `${tenantPath(o)}/providers/${seg(provider)}`,
    output: () => ({ deleted: provider }),
  }),
};

/** An error the CLI prints as `roster: CODE: message`. */
class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function commandName(command: Command): string {
  const parent = command.parent;
  return parent?.parent ? `${parent.name()} ${command.name()}` : command.name();
}

/** Why a command cannot open the directory, and what to do instead. */
function refusal(name: string, dataDir: string, owner: LockOwner, remotable: boolean): CliError {
  const holder = `the server (pid ${owner.pid}) holds ${dataDir}`;
  if (!owner.url) {
    return new CliError(
      'DATA_DIR_LOCKED',
      `another roster process (pid ${owner.pid}) holds ${dataDir}; wait for it to finish (or for the server to listen) and run this again`,
    );
  }
  if (name === 'serve') return new CliError('DATA_DIR_LOCKED', `${holder} and already serves ${owner.url}`);
  if (name === 'migrate')
    return new CliError('DATA_DIR_LOCKED', `${holder}; it applied the migrations when it started (stop it to run them here)`);
  if (!remotable) return new CliError('DATA_DIR_LOCKED', `${holder}; stop it to run "roster ${name}"`);
  return new CliError(
    'DATA_DIR_LOCKED',
    `${holder}; set ROSTER_ADMIN_TOKEN (or pass --admin-token) to run this through its API at ${owner.url}, or stop it`,
  );
}

/** Sends one call with the admin token; the JSON answer, or the problem's code and detail as a CliError. */
async function send(url: string, token: string, call: RemoteCall): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(call.path, url), {
      method: call.method,
      headers: { authorization: `Bearer ${token}`, ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new CliError('SERVER_UNREACHABLE', `the server at ${url} did not answer (${(error as Error).message})`);
  }
  const text = await res.text();
  const answer: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const problem = (answer ?? {}) as { code?: string; detail?: string; title?: string };
    throw new CliError(problem.code ?? `HTTP_${res.status}`, problem.detail ?? problem.title ?? `HTTP ${res.status}`);
  }
  return call.output ? call.output(answer) : answer;
}

/** Whether `roster <name>` has an admin API counterpart (tenants, brands, keys, providers). */
export function hasAdminRoute(command: Command): boolean {
  return REMOTE[commandName(command)] !== undefined;
}

/**
 * Runs an admin command on the Roster at `url` through its admin API (a remote deployment: ROSTER_URL with the
 * platform admin token), and returns its output.
 * @throws CliError ADMIN_TOKEN_REQUIRED, SERVER_UNREACHABLE, or the API's own error code.
 */
export async function runOnServer(url: string, adminToken: string | null | undefined, command: Command): Promise<{ output: unknown }> {
  const remote = REMOTE[commandName(command)];
  if (!remote) throw new CliError('NOT_REMOTE', `"roster ${commandName(command)}" has no admin API counterpart`);
  const token = adminToken?.trim();
  if (!token)
    throw new CliError('ADMIN_TOKEN_REQUIRED', 'a remote admin command needs the admin token: ROSTER_ADMIN_TOKEN or --admin-token');
  return { output: await send(url, token, remote(command.opts(), command.args)) };
}

/**
 * Before a command runs: when a running server holds the embedded data directory, runs the command through its
 * API and returns its output (the caller prints it and skips the local action); returns undefined when the
 * command may open the directory itself (PostgreSQL, a free directory, or a stale lock, which opening clears).
 * @throws CliError DATA_DIR_LOCKED saying how to proceed (no admin token, a command without an API, a process
 *   that is not serving), SERVER_UNREACHABLE, or the API's own error code.
 */
export async function runThroughServer(
  config: Config,
  command: Command,
  adminToken: string | undefined,
): Promise<{ output: unknown } | undefined> {
  if (config.databaseUrl) return undefined;
  const owner = readDataDirLock(config.dataDir);
  if (!owner) return undefined;
  const name = commandName(command);
  const remote = REMOTE[name];
  const token = adminToken?.trim() || config.adminToken;
  if (!remote || !owner.url || !token) throw refusal(name, config.dataDir, owner, remote !== undefined);
  return { output: await send(owner.url, token, remote(command.opts(), command.args)) };
}
