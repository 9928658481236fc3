/**
 * `roster webhooks create|list|delete|rotate-secret`: a tenant's webhook endpoints, in the local database
 * (`--tenant`) or on a remote Roster through the SDK (`--url`/`--key`, ROSTER_URL/ROSTER_KEY, or the login profile
 * when no `--tenant` is given). Both print the same JSON.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { CLI_ACTOR, platformContext } from '../core/context.ts';
import type { Registry } from '../registry.ts';
import { remoteClient, type SdkClient, UsageError } from './remote-client.ts';

interface WebhookOpts {
  tenant?: string;
  url?: string;
  key?: string;
  profile?: string;
}

type Local = (registry: Registry, ctx: ReturnType<typeof platformContext>) => Promise<unknown>;
type Remote = (roster: SdkClient) => Promise<unknown>;

const collect = (value: string, previous: string[]) => [...previous, value];

/** Whether a webhooks command runs remotely: a URL or key is given, or no --tenant names a local tenant. */
export function isRemoteWebhooksCommand(opts: WebhookOpts): boolean {
  return Boolean(opts.url || opts.key || !opts.tenant);
}

/** Runs the local or the remote form of a command and prints its answer as JSON. */
async function run(opts: WebhookOpts, local: Local, remote: Remote): Promise<void> {
  const config = loadConfig();
  let result: unknown;
  if (isRemoteWebhooksCommand(opts)) {
    result = await remote(await remoteClient(config, opts));
  } else {
    const { createRegistry } = await import('../registry.ts');
    const registry = await createRegistry(config);
    try {
      result = await local(registry, platformContext((await registry.tenants.resolveTenant(opts.tenant as string)).id, CLI_ACTOR));
    } finally {
      await registry.close();
    }
  }
  await new Promise((done) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`, done));
}

const withTarget = (command: Command) =>
  command
    .option('--tenant <slug>', 'tenant slug or id, in the local database')
    .option('--url <url>', 'a remote Roster (or ROSTER_URL, or the login profile when no --tenant is given)')
    .option('--key <key>', 'its tenant API key (prefer ROSTER_KEY: argv is visible to others)')
    .option('--profile <name>', 'profile written by roster login', 'default');

/** Adds the webhooks commands to the program. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('manage a tenant’s webhook endpoints (local --tenant, or remote)');
  withTarget(webhooks.command('create').description('add an endpoint; prints its signing secret once'))
    .option('--endpoint <url>', 'URL that receives the deliveries (https unless the server allows http)')
    .option('--event-type <pattern>', 'event type or wildcard (user.*); repeatable; default all', collect, [])
    .option('--description <text>', 'what the endpoint is for')
    .action(async function (this: Command) {
      const opts = this.opts() as WebhookOpts & { endpoint?: string; eventType: string[]; description?: string };
      // --url named the endpoint before the CLI spoke to remote servers: locally (with --tenant) it still does.
      const local = opts.tenant && !opts.endpoint && !opts.key ? { ...opts, url: undefined, endpoint: opts.url } : opts;
      if (!local.endpoint) throw new UsageError('roster webhooks create needs --endpoint <url>');
      const input = {
        url: local.endpoint,
        ...(local.eventType.length > 0 ? { eventTypes: local.eventType } : {}),
        ...(local.description ? { description: local.description } : {}),
      };
      await run(
        local,
        (r, ctx) => r.webhooks.createEndpoint(ctx, input),
        (roster) => roster.webhooks.create(input),
      );
    });
  withTarget(webhooks.command('list').description('list a tenant’s endpoints with their delivery figures')).action(async function (
    this: Command,
  ) {
    await run(
      this.opts() as WebhookOpts,
      (r, ctx) => r.webhooks.listEndpoints(ctx),
      (roster) => roster.webhooks.list(),
    );
  });
  withTarget(
    webhooks.command('delete').description('delete an endpoint, its pending deliveries and its log').argument('<id>', 'endpoint id'),
  ).action(async function (this: Command, id: string) {
    await run(
      this.opts() as WebhookOpts,
      async (r, ctx) => {
        await r.webhooks.deleteEndpoint(ctx, id);
        return { deleted: id };
      },
      async (roster) => {
        await roster.webhooks.delete(id);
        return { deleted: id };
      },
    );
  });
  withTarget(
    webhooks
      .command('rotate-secret')
      .description('replace the signing secret (the old one signs alongside for 24 h); prints the new one once')
      .argument('<id>', 'endpoint id'),
  ).action(async function (this: Command, id: string) {
    await run(
      this.opts() as WebhookOpts,
      (r, ctx) => r.webhooks.rotateSecret(ctx, id),
      (roster) => roster.webhooks.rotateSecret(id),
    );
  });
}
