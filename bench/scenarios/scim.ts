/**
 * SCIM: Okta's and Entra's existence check, `GET /scim/v2/Users?filter=userName eq "…"`, against the native lookup
 * by username on the same Roster server (the issue's target: within 80 % of the native req/s).
 */
import { dynamic, json, pick, type Scenario } from '../scenario.ts';
import { P99_TARGET_MS } from '../settings.ts';

const SCIM_USERS = 200;
const userName = (i: number) => `scim-bench-${i}@bench.example`;

export const scimScenarios: Scenario[] = [
  {
    key: 'scim-filter',
    label: 'GET /scim/v2/Users?filter=userName eq',
    ratioTarget: 0.8,
    p99Target: P99_TARGET_MS,
    versus: 'native',
    headers: (key) => ({ authorization: `Bearer ${key}`, ...json }),
    async prepare(roster) {
      // Seeded users have no username; these do (a 409 on a second run means they are there already).
      for (let i = 0; i < SCIM_USERS; i++) await roster('POST', '/v1/users', { username: userName(i) }).catch(() => undefined);
    },
    roster: () =>
      dynamic('GET', () => ({ path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName(pick(SCIM_USERS))}"`)}` })),
    native: () => [dynamic('GET', () => ({ path: `/v1/users/lookup?username=${encodeURIComponent(userName(pick(SCIM_USERS)))}` }))],
  },
];
