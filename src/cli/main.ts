import { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { CLI_ACTOR } from '../core/context.ts';
import { migrateToLatest, openDatabase } from '../db/database.ts';
import { createRegistry, type Registry } from '../registry.ts';
import { startServer } from '../server.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

async function withRegistry<T>(work: (registry: Registry) => Promise<T>): Promise<void> {
  const registry = await createRegistry(loadConfig());
  try {
    const result = await work(registry);
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await registry.close();
  }
}

const program = new Command('roster').description('Roster: a multi-tenant user directory').showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP server (same as npm start)')
  .action(async () => {
    const server = await startServer(loadConfig());
    const stop = () => server.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const config = loadConfig();
    const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.dbSchema ?? undefined });
    try {
      const applied = await migrateToLatest(database.db);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
    } finally {
      await database.close();
    }
  });

const tenants = program.command('tenants').description('manage tenants');
tenants
  .command('create')
  .requiredOption('--slug <slug>')
  .requiredOption('--name <name>')
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
tenants.command('list').action(() => withRegistry(async (r) => (await r.tenants.listTenants({ limit: 200 })).data));

const brands = program.command('brands').description('manage brands');
brands
  .command('create')
  .requiredOption('--tenant <slug>')
  .requiredOption('--slug <slug>')
  .requiredOption('--name <name>')
  .action((opts: { tenant: string; slug: string; name: string }) =>
    withRegistry(async (r) =>
      r.brands.createBrand((await r.tenants.resolveTenant(opts.tenant)).id, { slug: opts.slug, name: opts.name }, CLI_ACTOR),
    ),
  );

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
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
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .argument('<keyId>')
  .action((keyId: string, opts: { tenant: string }) =>
    withRegistry(async (r) => r.apiKeys.revokeKey((await r.tenants.resolveTenant(opts.tenant)).id, keyId, CLI_ACTOR)),
  );
keys
  .command('list')
  .requiredOption('--tenant <slug>', 'tenant slug or id')
  .action((opts: { tenant: string }) => withRegistry(async (r) => r.apiKeys.listKeys((await r.tenants.resolveTenant(opts.tenant)).id)));

const signingKeys = program.command('signing-keys').description('manage the keys that sign access tokens');
signingKeys
  .command('rotate')
  .description('make a new signing key; older keys keep verifying until their last token expires')
  .action(() => withRegistry((r) => r.signingKeys.rotate()));
signingKeys
  .command('list')
  .description('public keys that verify access tokens now (the JWKS)')
  .action(() => withRegistry((r) => r.signingKeys.jwks()));

program.parseAsync(process.argv).catch((error: unknown) => {
  const e = error as { code?: string; message?: string; fieldErrors?: unknown[] };
  process.stderr.write(`roster: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}\n`);
  process.exit(1);
});
