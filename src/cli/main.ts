import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { CLI_ACTOR } from '../core/context.ts';
import { safeError } from '../core/safe-error.ts';
import { rosterVersion } from '../core/version.ts';
import type { ProviderType } from '../modules/providers/providers.ts';
import type { Registry } from '../registry.ts';
import { registerBulkCommands } from './bulk.ts';
import { bashCompletion, zshCompletion } from './completion.ts';
import { hasAdminRoute, runOnServer, runThroughServer } from './remote.ts';
import { exitCodeOf } from './remote-client.ts';
import { registerRemoteCommands } from './users-commands.ts';
import { isRemoteWebhooksCommand, registerWebhookCommands } from './webhooks-commands.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

// The registry, the server and the database driver load only in the commands that use them: `--help`, and a
// command answered by a running server (remote.ts), never pay for Fastify, the dialects or PGlite.
async function withRegistry<T>(work: (registry: Registry) => Promise<T>): Promise<void> {
  const { createRegistry } = await import('../registry.ts');
  const registry = await createRegistry(loadConfig());
  try {
    const result = await work(registry);
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await registry.close();
  }
}

const program = new Command('roster')
  .description('Roster: a multi-tenant user directory')
  .version(rosterVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

// A server holding the embedded data directory: run the command through its API instead (see remote.ts).
program.option('--admin-token <token>', 'admin token for a running server (prefer ROSTER_ADMIN_TOKEN: argv is visible to others)');
// Commands that never open the local database (they talk to a remote Roster, or print).
const CLIENT_ONLY = /^(users|events|login|completion)\b/;
program.hook('preAction', async (_root, command) => {
  const config = loadConfig();
  // Admin commands (tenants, brands, keys, providers) on a remote deployment: ROSTER_URL with the admin token.
  const adminToken = program.opts().adminToken ?? config.adminToken;
  if (config.remote.url && adminToken && hasAdminRoute(command)) {
    return printAndExit(await runOnServer(config.remote.url, adminToken, command));
  }
  // Import and export commands given a server URL talk to it with an API key instead.
  if (command.opts().url || config.remote.url) return;
  const name = command.parent?.parent ? `${command.parent.name()} ${command.name()}` : command.name();
  if (CLIENT_ONLY.test(name)) return;
  // Webhook and bulk commands without --tenant run on a remote Roster (flags, ROSTER_URL or the login profile).
  if (name.startsWith('webhooks ') && isRemoteWebhooksCommand(command.opts())) return;
  if (/^(import|export|imports status)$/.test(name) && !command.opts().tenant) return;
  const remote = await runThroughServer(config, command, program.opts().adminToken);
  if (remote) await printAndExit(remote);
});

/** Prints a command's output as the local command would (JSON) and ends the process with success. */
async function printAndExit(remote: { output: unknown }): Promise<never> {
  const text = remote.output === undefined ? '' : `${JSON.stringify(remote.output, null, 2)}\n`;
  await new Promise((done) => process.stdout.write(text, done));
  process.exit(0);
}

program
  .command('serve')
  .description('run the HTTP server (same as npm start)')
  .action(async () => {
    const { startServer } = await import('../server.ts');
    const server = await startServer(loadConfig());
    server.ready.catch((error: unknown) => {
      server.app.log.fatal({ err: safeError(error) }, `roster failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
    const stop = () => server.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const config = loadConfig();
    const { databaseOptionsOf, openDatabase, prepareDatabase } = await import('../db/database.ts');
    // Migrations may rewrite big tables: no statement timeout for them.
    const database = await openDatabase({ ...databaseOptionsOf(config), statementTimeoutMs: 0 });
    try {
      const applied = await prepareDatabase(database);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
    } finally {
      await database.close();
    }
  });

const tenants = program.command('tenants').description('manage tenants');
tenants
  .command('create')
  .description('create a tenant (an isolated user pool)')
  .requiredOption('--slug <slug>', 'lower-case letters, digits and inner hyphens')
  .requiredOption('--name <name>', 'display name')
  .option('--host <host>', 'a host that selects this tenant (repeatable)', collect, [])
  .option('--default-country <code>', 'ISO 3166-1 alpha-2')
  .action((opts: { slug: string; name: string; host: string[]; defaultCountry?: string }) =>
    withRegistry((r) =>
      r.tenants.createTenant(
        { slug: opts.slug, name: opts.name, hosts: opts.host, defaultCountry: opts.defaultCountry ?? null },
        CLI_ACTOR,
      ),
    ),
  );
tenants
  .command('list')
  .description('list tenants (the first 200)')
  .action(() => withRegistry(async (r) => (await r.tenants.listTenants({ limit: 200 })).data));

const brands = program.command('brands').description('manage brands');
brands
  .command('create')
  .description('create a brand inside a tenant (it shares the tenant’s users)')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .requiredOption('--slug <slug>', 'lower-case letters, digits and inner hyphens')
  .requiredOption('--name <name>', 'display name')
  .action((opts: { tenant: string; slug: string; name: string }) =>
    withRegistry(async (r) =>
      r.brands.createBrand((await r.tenants.resolveTenant(opts.tenant)).id, { slug: opts.slug, name: opts.name }, CLI_ACTOR),
    ),
  );

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create an API key; its secret is printed once')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .option('--name <name>', 'what the key is for', 'cli')
  .option('--brand <slug>', 'bind the key to a brand')
  .option('--scopes <list>', 'comma-separated scopes (default: all)')
  .action((opts: { tenant: string; name: string; brand?: string; scopes?: string }) =>
    withRegistry(async (r) => {
      const tenant = await r.tenants.resolveTenant(opts.tenant);
      const scopes = opts.scopes
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return r.apiKeys.createKey(tenant.id, { name: opts.name, brand: opts.brand, scopes }, CLI_ACTOR);
    }),
  );
keys
  .command('revoke')
  .description('revoke an API key at once')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .argument('<keyId>', 'the key’s id (from keys list)')
  .action((keyId: string, opts: { tenant: string }) =>
    withRegistry(async (r) => r.apiKeys.revokeKey((await r.tenants.resolveTenant(opts.tenant)).id, keyId, CLI_ACTOR)),
  );
keys
  .command('list')
  .description('list a tenant’s API keys (never their secrets)')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .action((opts: { tenant: string }) => withRegistry(async (r) => r.apiKeys.listKeys((await r.tenants.resolveTenant(opts.tenant)).id)));

const providers = program.command('providers').description('manage upstream identity providers');
providers
  .command('create')
  .description('connect a tenant (or brand) to an upstream identity provider')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .requiredOption('--name <name>', 'a name for the provider (lower-case, digits, hyphens)')
  .requiredOption('--type <type>', 'auth0, scim or http')
  .requiredOption('--endpoint <url>', 'auth0: https://{domain}; scim: base URL; http: URL template with {email}')
  .option('--credentials-file <path>', 'JSON credentials (auth0: {clientId, clientSecret}; scim: {token}; http: {headers}); - reads stdin')
  .option('--brand <slug>', 'the provider of this brand only')
  .option('--settings <json>', 'type-specific settings as JSON')
  .option('--field-mapping <json>', 'per-field source of truth as JSON, e.g. {"phone":"local"}')
  .option('--timeout-ms <ms>', 'upstream timeout', Number)
  .option('--cache-ttl <seconds>', 'cache upstream answers this long', Number)
  .option('--jit', 'create local users found only at the provider')
  .action(
    (opts: {
      tenant: string;
      name: string;
      type: string;
      endpoint: string;
      credentialsFile?: string;
      brand?: string;
      settings?: string;
      fieldMapping?: string;
      timeoutMs?: number;
      cacheTtl?: number;
      jit?: boolean;
    }) =>
      withRegistry(async (r) => {
        const tenant = await r.tenants.resolveTenant(opts.tenant);
        // Credentials come from a file or stdin, never from argv, which other users of the machine can read.
        const credentials = opts.credentialsFile
          ? JSON.parse(readFileSync(opts.credentialsFile === '-' ? 0 : opts.credentialsFile, 'utf8'))
          : {};
        return r.providers.createProvider(
          tenant.id,
          {
            name: opts.name,
            type: opts.type as ProviderType,
            endpoint: opts.endpoint,
            credentials,
            brand: opts.brand,
            settings: opts.settings ? JSON.parse(opts.settings) : undefined,
            fieldMapping: opts.fieldMapping ? JSON.parse(opts.fieldMapping) : undefined,
            timeoutMs: opts.timeoutMs,
            cacheTtlSeconds: opts.cacheTtl,
            jitProvisioning: opts.jit ?? false,
          },
          CLI_ACTOR,
        );
      }),
  );
providers
  .command('list')
  .description('list a tenant’s identity providers (never their credentials)')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .action((opts: { tenant: string }) =>
    withRegistry(async (r) => r.providers.listProviders((await r.tenants.resolveTenant(opts.tenant)).id)),
  );
providers
  .command('delete')
  .description('delete an identity provider and its users’ links')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .argument('<provider>', 'provider id or name')
  .action((provider: string, opts: { tenant: string }) =>
    withRegistry(async (r) => {
      await r.providers.deleteProvider((await r.tenants.resolveTenant(opts.tenant)).id, provider, CLI_ACTOR);
      return { deleted: provider };
    }),
  );

const operators = program.command('operators').description('manage console operators (people who sign in to /console)');
operators
  .command('create')
  .description('create a console operator; the password is read from stdin, never argv')
  .requiredOption('--email <email>', 'sign-in email')
  .requiredOption('--name <name>', 'display name')
  .option('--role <role>', 'platform (every tenant) or tenant (the tenants given)', 'platform')
  .option('--tenant <slug>', 'a tenant a tenant operator may see (repeatable)', collect, [])
  .action((opts: { email: string; name: string; role: string; tenant: string[] }) =>
    withRegistry(async (r) => {
      const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      if (opts.role !== 'platform' && opts.role !== 'tenant') throw new Error('--role must be platform or tenant');
      return r.operators.createOperator({ email: opts.email, name: opts.name, password, role: opts.role, tenants: opts.tenant });
    }),
  );
operators
  .command('list')
  .description('list console operators')
  .action(() => withRegistry((r) => r.operators.listOperators()));
operators
  .command('remove')
  .description('remove a console operator and end its sessions')
  .argument('<id>', 'the operator’s id (from operators list)')
  .action((id: string) =>
    withRegistry(async (r) => {
      await r.operators.removeOperator(id);
      return { removed: id };
    }),
  );

const signingKeys = program.command('signing-keys').description('manage the keys that sign access tokens');
signingKeys
  .command('rotate')
  .description('make a new signing key; older keys keep verifying until their last token expires')
  .action(() => withRegistry((r) => r.signingKeys.rotate()));
signingKeys
  .command('list')
  .description('public keys that verify access tokens now (the JWKS)')
  .action(() => withRegistry((r) => r.signingKeys.jwks()));

program
  .command('worker')
  .description('run the background workers (webhook delivery; the NATS publisher when ROSTER_NATS_URL is set) until SIGTERM')
  .action(async () => {
    const config = loadConfig();
    const { createRegistry } = await import('../registry.ts');
    const { startWorkers } = await import('../workers/start-workers.ts');
    const registry = await createRegistry(config);
    const workers = startWorkers(registry, config, (error) => {
      process.stderr.write(`roster worker: ${error instanceof Error ? error.message : String(error)}\n`);
    });
    process.stdout.write('roster worker running\n');
    const stop = () =>
      workers
        .stop()
        .then(() => registry.close())
        .then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

registerWebhookCommands(program);
registerBulkCommands(program);

registerRemoteCommands(program);
program
  .command('completion')
  .description('print a shell completion script: source <(roster completion bash)')
  .argument('<shell>', 'bash or zsh')
  .action((shell: string) => {
    if (shell !== 'bash' && shell !== 'zsh') throw Object.assign(new Error('completion: bash or zsh'), { code: 'USAGE' });
    process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  const e = error as { code?: string; message?: string; fieldErrors?: unknown[] };
  process.stderr.write(`roster: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}\n`);
  // 2 usage, 3 not found, 4 conflict, 5 auth, 6 unavailable, 1 anything else (README "## SDK").
  process.exit(exitCodeOf(error));
});
