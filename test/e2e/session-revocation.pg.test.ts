/**
 * Revocation across processes: two real servers on one PostgreSQL schema, each with its own session cache. A
 * session checked (and so cached) in B is revoked through A — logout, force logout, deactivation, refresh-token
 * reuse — and B refuses its access token within 100 ms, told by the sessions trigger's NOTIFY, and again with
 * REDIS_URL set on both, told by Redis pub/sub (published after the commit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTenantOver, freshStorage, killAll, type ServerProcess, type Storage, startServerProcess } from './process.ts';

const PASSWORD = 'correct horse battery staple 42';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

for (const transport of ['notify', 'redis'] as const) {
  // Its own describe: one pair of servers at a time, ended before the next pair starts.
  describe(`invalidation over ${transport === 'redis' ? 'Redis pub/sub' : 'LISTEN/NOTIFY'}`, () => {
    let storage: Storage;
    let a: ServerProcess;
    let b: ServerProcess;
    let auth: { authorization: string };
    let counter = 0;

    beforeAll(async () => {
      const fresh = await freshStorage(`perf_revoke_${transport}`);
      storage = transport === 'redis' ? { ...fresh, env: { ...fresh.env, REDIS_URL } } : fresh;
      a = await startServerProcess(storage);
      // After A migrated: two first starts would race for the migration lock.
      b = await startServerProcess(storage);
      ({ auth } = await createTenantOver(a, `perf-revoke-${transport}-${process.pid}`));
    }, 180_000);
    afterAll(async () => {
      await killAll();
      await storage?.cleanup();
    });

    async function post(server: ServerProcess, path: string, body: unknown = {}): Promise<Response> {
      return fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    }

    async function signedInUser(): Promise<{ userId: string; sessionId: string; accessToken: string; refreshToken: string }> {
      const email = `p${counter++}@example.com`;
      const created = await post(a, '/v1/users', { email, password: PASSWORD });
      expect(created.status).toBe(201);
      const signIn = await post(a, '/v1/sessions', { email, password: PASSWORD });
      expect(signIn.status).toBe(201);
      const tokens = (await signIn.json()) as { accessToken: string; refreshToken: string; session: { id: string; userId: string } };
      return {
        userId: tokens.session.userId,
        sessionId: tokens.session.id,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
      };
    }

    function me(server: ServerProcess, accessToken: string): Promise<number> {
      return fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);
    }

    async function cachedSessions(server: ServerProcess): Promise<number> {
      const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const match = /^roster_session_cache_entries (\d+)/m.exec(await res.text());
      return Number(match?.[1] ?? Number.NaN);
    }

    /** Milliseconds from the end of `revoke` until B refuses the token (polling every 5 ms, at most 2 s). */
    async function refusedAfter(accessToken: string, revoke: () => Promise<void>): Promise<number> {
      await revoke();
      const start = performance.now();
      while (performance.now() - start < 2000) {
        if ((await me(b, accessToken)) === 401) return performance.now() - start;
        await new Promise((r) => setTimeout(r, 5));
      }
      return Number.POSITIVE_INFINITY;
    }

    describe(`a session revoked in one process is refused in another within 100 ms (${transport})`, () => {
      const cases: [string, (s: Awaited<ReturnType<typeof signedInUser>>) => Promise<void>][] = [
        [
          'logout (DELETE /v1/sessions/{id})',
          async (s) => {
            const res = await fetch(`${a.url}/v1/sessions/${s.sessionId}`, { method: 'DELETE', headers: auth });
            expect(res.status).toBe(204);
          },
        ],
        [
          'force logout',
          async (s) => {
            expect((await post(a, `/v1/users/${s.userId}/logout`)).status).toBe(200);
          },
        ],
        [
          'deactivation',
          async (s) => {
            expect((await post(a, `/v1/users/${s.userId}/deactivate`)).status).toBe(200);
          },
        ],
        [
          'refresh-token reuse',
          async (s) => {
            expect((await post(a, '/v1/sessions/refresh', { refreshToken: s.refreshToken })).status).toBe(200);
            expect((await post(a, '/v1/sessions/refresh', { refreshToken: s.refreshToken })).status).toBe(401);
          },
        ],
      ];
      for (const [name, revoke] of cases) {
        it(name, async () => {
          const session = await signedInUser();
          const before = await cachedSessions(b);
          expect(await me(b, session.accessToken)).toBe(200);
          // B now holds the session in its cache: the refusal below cannot come from a cache miss.
          expect(await cachedSessions(b)).toBe(before + 1);
          expect(await me(b, session.accessToken)).toBe(200);
          const ms = await refusedAfter(session.accessToken, () => revoke(session));
          expect(ms).toBeLessThan(100);
        });
      }
    });
  });
}
