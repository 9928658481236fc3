/**
 * Sign-in (bound by argon2id, so reported as a share of the in-process hash rate) and refresh, against Roster only.
 */

import { availableParallelism } from 'node:os';
import type { RawRequest, RequestSpec } from 'autocannon';
import { dynamic, type RosterApi, type Scenario } from '../scenario.ts';
import { CONNECTIONS, ROUNDS, SIGNIN_CONNECTIONS, SIGNIN_PASSWORD, SIGNIN_USERS } from '../settings.ts';

const signinEmail = (i: number) => `signin${i}@bench.example`;
const signinUserIds: string[] = [];
let signinNext = 0;

/** Makes the sign-in users through the API (each one hashes a password), `width` at a time. */
async function prepareSigninUsers(roster: RosterApi): Promise<void> {
  if (signinUserIds.length > 0) return;
  const started = Date.now();
  let next = 0;
  const width = Math.max(2, availableParallelism());
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < SIGNIN_USERS) {
        const i = next++;
        const user = await roster('POST', '/v1/users', { email: signinEmail(i), password: SIGNIN_PASSWORD, firstName: 'Signin' });
        signinUserIds[i] = user.id;
      }
    }),
  );
  process.stdout.write(`  made ${SIGNIN_USERS} users with a password through the API in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/**
 * Live refresh tokens. A refresh request takes one and puts the new one from its response back, so each
 * session is a chain of single-use tokens and no two requests ever race on one session. A run ending with
 * requests in flight loses their chains, so the pool starts with spares for every run (warm-up and slices).
 */
const refreshPool: string[] = [];
const REFRESH_POOL = CONNECTIONS * (ROUNDS + 4);

async function prepareRefreshPool(roster: RosterApi): Promise<void> {
  await prepareSigninUsers(roster);
  const started = Date.now();
  let made = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (made < REFRESH_POOL) {
        const userId = signinUserIds[made++ % signinUserIds.length];
        // Passwordless: a session without spending a hash.
        const tokens = await roster('POST', `/v1/users/${userId}/sessions`, {});
        refreshPool.push(tokens.refreshToken);
      }
    }),
  );
  process.stdout.write(`  opened ${refreshPool.length} sessions to refresh in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function refreshRequest(): RequestSpec {
  return {
    method: 'POST',
    path: '/v1/sessions/refresh',
    setupRequest(request: RawRequest) {
      // An empty pool (it should not happen) sends a dead token: counted as a failure, not a crash.
      request.body = JSON.stringify({ refreshToken: refreshPool.shift() ?? 'A'.repeat(43) });
      return request;
    },
    onResponse(status: number, body: string) {
      if (status === 200) refreshPool.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
    },
  };
}

export const sessionScenarios: Scenario[] = [
  {
    key: 'sign-in',
    ratioTarget: null,
    p99Target: null,
    connections: SIGNIN_CONNECTIONS,
    versus: 'hashes',
    prepare: prepareSigninUsers,
    roster: () =>
      dynamic('POST', () => ({
        path: '/v1/sessions',
        body: { email: signinEmail(signinNext++ % SIGNIN_USERS), password: SIGNIN_PASSWORD },
      })),
  },
  {
    key: 'refresh',
    ratioTarget: null,
    p99Target: null,
    prepare: prepareRefreshPool,
    roster: refreshRequest,
  },
];
