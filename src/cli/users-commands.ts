/**
 * `roster users get|find|list|create|update|deactivate|reactivate|logout`, `roster events tail` and `roster login`:
 * tenant commands against a remote Roster, through @roster/sdk.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { bold, dim, printUsers, remoteClient, type SdkClient, saveProfile, UsageError } from './remote-client.ts';

interface RemoteOpts {
  url?: string;
  key?: string;
  profile?: string;
  json?: boolean;
}

const withRemote = (command: Command) =>
  command
    .option('--url <url>', 'the Roster to talk to (or ROSTER_URL, or the login profile)')
    .option('--key <key>', 'tenant API key (prefer ROSTER_KEY: argv is visible to others)')
    .option('--profile <name>', 'profile written by roster login', 'default')
    .option('--json', 'print JSON (for scripts)');

async function client(command: Command): Promise<{ roster: SdkClient; opts: RemoteOpts }> {
  const opts = command.optsWithGlobals() as RemoteOpts;
  return { roster: await remoteClient(loadConfig(), opts), opts };
}

/** `--set name=value` pairs as a merge patch (values parsed as JSON when they parse). */
function patchOf(pairs: string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--set ${pair}: expected name=value`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    patch[pair.slice(0, at)] = value;
  }
  return patch;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Adds the remote tenant commands to the program. */
export function registerRemoteCommands(program: Command): void {
  withRemote(program.command('login').description('save a remote Roster URL and key as a profile (~/.config/roster/config.json)')).action(
    async function (this: Command) {
      const opts = this.opts() as RemoteOpts;
      if (!opts.url || !opts.key) throw new UsageError('roster login needs --url and --key');
      const roster = await remoteClient(loadConfig(), opts);
      await roster.roles.list(); // proves the key works before saving it
      const file = saveProfile(opts.profile ?? 'default', { url: opts.url, key: opts.key });
      process.stdout.write(`saved profile ${opts.profile ?? 'default'} in ${file}\n`);
    },
  );

  const users = program.command('users').description('tenant users on a remote Roster (--url/--key, ROSTER_URL/ROSTER_KEY or a profile)');
  withRemote(users.command('get').argument('<id>', 'user id').option('--external-id', 'the argument is an external id')).action(
    async function (this: Command, id: string) {
      const { roster, opts } = await client(this);
      const external = (this.opts() as { externalId?: boolean }).externalId;
      printUsers([await roster.users.get(external ? { externalId: id } : id)], opts.json === true);
    },
  );
  withRemote(users.command('find').description('find the user holding an email and/or a phone'))
    .option('--email <email>')
    .option('--phone <phone>')
    .action(async function (this: Command) {
      const { roster, opts } = await client(this);
      const { email, phone } = this.opts() as { email?: string; phone?: string };
      if (!email && !phone) throw new UsageError('roster users find needs --email or --phone');
      printUsers([await roster.users.lookup({ email, phone })], opts.json === true);
    });
  withRemote(users.command('list').description('list users (every page, or --limit of them)'))
    .option('--status <status>', 'active or deactivated')
    .option('--email <email>')
    .option('--limit <n>', 'stop after n users', (v) => Number.parseInt(v, 10))
    .action(async function (this: Command) {
      const { roster, opts } = await client(this);
      const { status, email, limit } = this.opts() as { status?: string; email?: string; limit?: number };
      const out: Record<string, unknown>[] = [];
      for await (const user of roster.users.list({ status, email })) {
        out.push(user);
        if (limit !== undefined && out.length >= limit) break;
      }
      printUsers(out, opts.json === true, true);
    });
  withRemote(users.command('create').description('create a user'))
    .option('--email <email>')
    .option('--phone <phone>')
    .option('--external-id <id>')
    .option('--first-name <name>')
    .option('--last-name <name>')
    .option('--set <name=value>', 'any other field (repeatable)', collect, [])
    .action(async function (this: Command) {
      const { roster, opts } = await client(this);
      const o = this.opts() as Record<string, string | undefined> & { set: string[] };
      const input = {
        ...patchOf(o.set),
        ...(o.email ? { email: o.email } : {}),
        ...(o.phone ? { phone: o.phone } : {}),
        ...(o.externalId ? { externalId: o.externalId } : {}),
        ...(o.firstName ? { firstName: o.firstName } : {}),
        ...(o.lastName ? { lastName: o.lastName } : {}),
      };
      printUsers([await roster.users.create(input)], opts.json === true);
    });
  withRemote(users.command('update').description('merge-patch a user').argument('<id>'))
    .option('--set <name=value>', 'a field to set (repeatable; value as JSON when it parses, null removes)', collect, [])
    .option('--if-match <version>', 'only when the user is still at this version', (v) => Number.parseInt(v, 10))
    .action(async function (this: Command, id: string) {
      const { roster, opts } = await client(this);
      const o = this.opts() as { set: string[]; ifMatch?: number };
      if (o.set.length === 0) throw new UsageError('roster users update needs at least one --set name=value');
      printUsers([await roster.users.update(id, patchOf(o.set), { ifMatch: o.ifMatch })], opts.json === true);
    });
  for (const action of ['deactivate', 'reactivate'] as const) {
    withRemote(users.command(action).description(`${action} a user`).argument('<id>')).action(async function (this: Command, id: string) {
      const { roster, opts } = await client(this);
      printUsers([await roster.users[action](id)], opts.json === true);
    });
  }
  withRemote(users.command('logout').description('end every session of a user').argument('<id>')).action(async function (
    this: Command,
    id: string,
  ) {
    const { roster, opts } = await client(this);
    const result = await roster.users.logout(id);
    process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `ended ${result.revoked} session(s)\n`);
  });

  const events = program.command('events').description('the change feed of a remote Roster');
  withRemote(events.command('tail').description('follow the feed live (Ctrl-C stops)'))
    .option('--after <cursor>', 'start after this cursor (default: the beginning)')
    .option('--type <type>', 'only events of this type')
    .action(async function (this: Command) {
      const { roster, opts } = await client(this);
      const { after, type } = this.opts() as { after?: string; type?: string };
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
      for await (const event of roster.events.follow({ after, type, signal: controller.signal })) {
        if (opts.json) process.stdout.write(`${JSON.stringify(event)}\n`);
        else
          process.stdout.write(
            `${dim(String(event.createdAt))} ${bold(String(event.type))} ${event.userId ?? ''} ${dim(String(event.cursor))}\n`,
          );
      }
    });
}
