/**
 * The native user endpoints against the thin server's single statement: find-or-create, lookup, upsert by external
 * id, list. Also the request mixes the dialect scenarios reuse.
 */

import { dynamic, nextNumber, pick, type Scenario, seedEmail, seedExternalId } from '../scenario.ts';
import { FOC_NEW_SHARE, P99_TARGET_MS, SEED_USERS } from '../settings.ts';

// Half existing emails, half new ones (BENCH_FOC_NEW_SHARE changes the share of new ones).
export const focBody = (prefix: string) => ({
  email: Math.random() >= FOC_NEW_SHARE ? seedEmail(pick(SEED_USERS)) : `${prefix}-${nextNumber()}@new.bench.example`,
  firstName: 'Bench',
});
// Half existing external ids (half of those change a field, half are no-ops), half new ones.
export const upsertTarget = (prefix: string) =>
  Math.random() < 0.5 ? encodeURIComponent(seedExternalId(pick(SEED_USERS))) : `${prefix}-${nextNumber()}`;
export const upsertBody = () => ({ firstName: Math.random() < 0.5 ? 'Ann' : 'Bob' });

export const userScenarios: Scenario[] = [
  {
    key: 'find-or-create',
    ratioTarget: 0.5,
    p99Target: P99_TARGET_MS,
    roster: () => dynamic('POST', () => ({ path: '/v1/users/find-or-create', body: focBody('roster') })),
    thin: () => dynamic('POST', () => ({ path: '/find-or-create', body: focBody('thin') })),
  },
  {
    key: 'lookup',
    ratioTarget: 0.6,
    p99Target: P99_TARGET_MS,
    roster: () => dynamic('GET', () => ({ path: `/v1/users/lookup?email=${encodeURIComponent(seedEmail(pick(SEED_USERS)))}` })),
    thin: () => dynamic('GET', () => ({ path: `/lookup?email=${encodeURIComponent(seedEmail(pick(SEED_USERS)))}` })),
  },
  {
    key: 'upsert',
    ratioTarget: null,
    p99Target: null,
    roster: () => dynamic('PUT', () => ({ path: `/v1/users/by-external-id/${upsertTarget('roster-up')}`, body: upsertBody() })),
    thin: () => dynamic('PUT', () => ({ path: `/by-external-id/${upsertTarget('thin-up')}`, body: upsertBody() })),
  },
  {
    key: 'list',
    ratioTarget: null,
    p99Target: null,
    roster: () => ({ method: 'GET', path: '/v1/users?limit=50' }),
    thin: () => ({ method: 'GET', path: '/users?limit=50' }),
  },
];
