/**
 * The CLI as a client of a remote Roster, through @roster/sdk: where the server is and which key to use
 * (`--url`/`--key`, then ROSTER_URL/ROSTER_KEY, then the profile `roster login` wrote), how answers print (JSON for
 * scripts, tables for people, colours on a terminal only) and which exit code each failure gets.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Table from 'cli-table3';
import type { Config } from '../config.ts';

/** What the CLI uses of the SDK (loaded from packages/sdk/dist at run time: src/ compiles alone, rootDir src). */
export interface SdkModule {
  Roster: new (options: { baseUrl: string; apiKey: string }) => SdkClient;
}
// The SDK's own types are richer; the CLI passes answers through to its output, so `unknown` is enough here.
export interface SdkClient {
  users: {
    get(ref: string | { externalId: string }): Promise<Record<string, unknown>>;
    lookup(query: { email?: string; phone?: string }): Promise<Record<string, unknown>>;
    list(query: Record<string, unknown>): AsyncIterable<Record<string, unknown>>;
    create(input: Record<string, unknown>): Promise<Record<string, unknown>>;
    update(id: string, patch: Record<string, unknown>, options?: { ifMatch?: number }): Promise<Record<string, unknown>>;
    deactivate(id: string): Promise<Record<string, unknown>>;
    reactivate(id: string): Promise<Record<string, unknown>>;
    logout(ref: string): Promise<{ revoked: number }>;
  };
  events: { follow(options: { after?: string; type?: string; signal?: AbortSignal }): AsyncIterable<Record<string, unknown>> };
  roles: { list(): Promise<unknown[]> };
  imports: {
    start(file: ReadableStream<Uint8Array>, options: Record<string, unknown>): Promise<{ id: string }>;
    get(id: string): Promise<Record<string, unknown>>;
    errors(id: string): AsyncIterable<Record<string, unknown>>;
  };
  exports: { download(query: Record<string, unknown>): Promise<Response> };
  webhooks: {
    create(input: { url: string; eventTypes?: string[]; description?: string }): Promise<Record<string, unknown>>;
    list(): Promise<unknown[]>;
    delete(id: string): Promise<void>;
    rotateSecret(id: string): Promise<Record<string, unknown>>;
  };
}

/** Exit codes scripts can test. */
export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3, conflict: 4, auth: 5, unavailable: 6 } as const;

/** The exit code of a failure: by HTTP status of a RosterError, else 1. */
export function exitCodeOf(error: unknown): number {
  const status = (error as { status?: number }).status;
  const code = (error as { code?: string }).code;
  if (code === 'NETWORK_ERROR' || code === 'TIMEOUT' || status === 503 || status === 429) return EXIT.unavailable;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409 || status === 412) return EXIT.conflict;
  if (status === 400 || status === 422 || code === 'USAGE') return EXIT.usage;
  return EXIT.failure;
}

export interface Profile {
  url: string;
  key: string;
}

/** ~/.config/roster/config.json (XDG_CONFIG_HOME respected). */
export function profileFile(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'roster', 'config.json');
}

function readProfiles(): Record<string, Profile> {
  const file = profileFile();
  if (!existsSync(file)) return {};
  return ((JSON.parse(readFileSync(file, 'utf8')) as { profiles?: Record<string, Profile> }).profiles ?? {}) as Record<string, Profile>;
}

/** Whether `roster login` saved this profile (default `default`). */
export function hasProfile(name: string | undefined): boolean {
  return readProfiles()[name ?? 'default'] !== undefined;
}

/** Saves a profile (the file is the user's only: mode 0600). */
export function saveProfile(name: string, profile: Profile): string {
  const file = profileFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ profiles: { ...readProfiles(), [name]: profile } }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** An error with a code the CLI prints and an exit code. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/**
 * The remote Roster to use: flags, then ROSTER_URL/ROSTER_KEY, then the named profile (default `default`).
 * @throws UsageError when no URL and key are found.
 */
export function resolveRemote(config: Config, opts: { url?: string; key?: string; profile?: string }): Profile {
  const profile = readProfiles()[opts.profile ?? 'default'];
  const url = opts.url ?? config.cliRemote.url ?? profile?.url;
  const key = opts.key ?? config.cliRemote.key ?? profile?.key;
  if (!url || !key) {
    throw new UsageError(
      'no remote Roster: pass --url and --key, set ROSTER_URL and ROSTER_KEY, or run "roster login --url <url> --key <key>"',
    );
  }
  return { url, key };
}

/**
 * Loads the SDK: the copy the build compiles next to the CLI (dist/sdk, from dist/cli), else the package's build
 * (packages/sdk/dist), else its source when running under tsx (src/cli in a checkout).
 * @throws Error saying how to build it when none loads.
 */
export async function loadSdk(): Promise<SdkModule> {
  const candidates = [
    new URL('../sdk/index.js', import.meta.url),
    new URL('../../packages/sdk/dist/index.js', import.meta.url),
    new URL('../../packages/sdk/src/index.ts', import.meta.url),
  ];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      return (await import(candidate.href)) as SdkModule;
    } catch (error) {
      failures.push(`${candidate.pathname}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`the SDK is not built: run "npm run build" (${failures.join('; ')})`);
}

/** A client for the remote Roster of these options. */
export async function remoteClient(config: Config, opts: { url?: string; key?: string; profile?: string }): Promise<SdkClient> {
  const { url, key } = resolveRemote(config, opts);
  const { Roster } = await loadSdk();
  return new Roster({ baseUrl: url, apiKey: key });
}

const colour = (code: number) => (text: string) =>
  process.stdout.isTTY && !process.env.NO_COLOR ? `\u001b[${code}m${text}\u001b[0m` : text;
export const bold = colour(1);
export const dim = colour(2);
const green = colour(32);
const red = colour(31);

const USER_COLUMNS = ['id', 'email', 'phone', 'externalId', 'firstName', 'lastName', 'status', 'version'];

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value === 'active') return green(value);
  if (value === 'deactivated') return red(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Users as a table (people) or JSON (scripts, `--json`): one object, or an array for a list. */
export function printUsers(users: Record<string, unknown>[], json: boolean, list = false): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(list ? users : users[0], null, 2)}\n`);
    return;
  }
  const table = new Table({ head: USER_COLUMNS.map((c) => bold(c)), style: { head: [], border: [] } });
  for (const user of users) table.push(USER_COLUMNS.map((c) => cell(user[c])));
  process.stdout.write(`${table.toString()}\n`);
}
