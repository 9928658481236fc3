/**
 * examples/sdk-quickstart.ts runs to completion against the compiled server started as `npm start` starts it, with
 * the two settings its header names (http and loopback webhook URLs): a real delivery reaches the example's own
 * receiver and verifies with the endpoint's secret. Then the compiled CLI reads the same data through the SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantOver, freshStorage, killAll, runNode, type ServerProcess, type Storage, startServerProcess } from './process.ts';

let storage: Storage;
let server: ServerProcess;

beforeAll(async () => {
  storage = await freshStorage('sdkexample');
  server = await startServerProcess({
    ...storage,
    env: { ...storage.env, ROSTER_WEBHOOKS_ALLOW_HTTP: 'on', ROSTER_ALLOW_PRIVATE_UPSTREAMS: 'on' },
  });
}, 120_000);
afterAll(async () => {
  await killAll();
  await storage?.cleanup();
});

describe('examples/sdk-quickstart.ts', () => {
  it('finds-or-creates, signs in, receives and verifies a real webhook delivery, follows the feed; exits 0', async () => {
    const tenant = await createTenantOver(server, 'example');
    const key = tenant.auth.authorization.replace('Bearer ', '');
    const run = await runNode(['--import', 'tsx', 'examples/sdk-quickstart.ts'], { ROSTER_URL: server.url, ROSTER_KEY: key });
    expect(run.code, `${run.stdout}\n${run.stderr}\n${server.output()}`).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const endpoint = lines[0]?.match(/^webhook endpoint (\S+) http:\/\/127\.0\.0\.1:\d+\/roster-webhooks$/);
    expect(endpoint, run.stdout).not.toBeNull();
    const userId = lines[1]?.match(/^created (\S+)$/)?.[1];
    expect(userId, run.stdout).toBeDefined();
    expect(lines).toContain(`signed in; token names user ${userId}`);
    expect(lines.some((l) => /^as expected: USER_EMAIL_TAKEN \S+$/.test(l))).toBe(true);
    expect(lines.some((l) => new RegExp(`^webhook verified: user\\.created ${userId} \\S+$`).test(l))).toBe(true);
    expect(lines).toContain('tampered delivery refused: WEBHOOK_SIGNATURE_INVALID');
    expect(lines).toContain(`feed: user.created ${userId}`);
    expect(lines).toContain(`feed: user.updated ${userId}`);
    expect(lines.at(-1)).toBe('done');

    // The example removes the endpoint it registered.
    const left = await fetch(`${server.url}/v1/webhooks`, { headers: tenant.auth });
    expect(((await left.json()) as { data: unknown[] }).data).toEqual([]);

    // The compiled CLI (as `roster` runs) reaches the same server through the SDK the build compiled to dist/sdk.
    const env = { ROSTER_URL: server.url, ROSTER_KEY: key };
    const users = await runNode(['bin/roster.js', 'users', 'get', userId as string, '--json'], env);
    expect(users.code, users.stderr).toBe(0);
    expect(JSON.parse(users.stdout)).toMatchObject({ id: userId, city: 'London' });
    const hooks = await runNode(['bin/roster.js', 'webhooks', 'list'], env);
    expect(hooks.code, hooks.stderr).toBe(0);
    expect(JSON.parse(hooks.stdout)).toEqual([]);
  }, 240_000);
});
