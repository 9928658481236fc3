/**
 * The vendor dialects' create/upsert endpoints against the native endpoint each maps to, on the same Roster server
 * (the "native" baseline). Each side of a pair draws from the same mix; only the prefix of new ids differs.
 */
import type { RawRequest, RequestSpec } from 'autocannon';
import { dynamic, json, nextNumber, pick, type Scenario, seedEmail, seedExternalId } from '../scenario.ts';
import { DIALECT_RATIO_TARGET, SEED_USERS, TAGMANGO_HOST } from '../settings.ts';
import { focBody, upsertBody, upsertTarget } from './users.ts';

/** TagMango's create-or-find body: the find-or-create mix (BENCH_FOC_NEW_SHARE new emails, the rest seeded). */
const tagmangoBody = (prefix: string) => {
  const { email, firstName } = focBody(prefix);
  return { email, name: firstName };
};
/** A new email every time (Thanx refuses a known one with a 409; its native pair would too, on create). */
const newEmail = (prefix: string) => `${prefix}-${nextNumber()}@new.bench.example`;
/**
 * Publica.la's create is an upsert by external id with a required email: half new users, half seeded ones, which
 * keep their email or switch to (or back from) a second one of their own, so about half of those change a field.
 */
const publicalaTarget = (prefix: string) => {
  if (Math.random() < 0.5) {
    const n = nextNumber();
    return { externalId: `${prefix}-${n}`, email: `${prefix}-${n}@new.bench.example` };
  }
  const i = pick(SEED_USERS);
  return { externalId: seedExternalId(i), email: Math.random() < 0.5 ? seedEmail(i) : `alt-seed${i}@bench.example` };
};

/**
 * Thanx's native equivalent, as one iteration of two requests on a connection: create the user, then open a
 * passwordless session for the id the create answered (autocannon keeps a context per connection).
 */
function nativeCreateAndSession(): RequestSpec[] {
  return [
    {
      method: 'POST',
      path: '/v1/users',
      setupRequest(request: RawRequest) {
        request.body = JSON.stringify({ email: newEmail('native-thanx'), firstName: 'Bench', lastName: 'User' });
        return request;
      },
      onResponse(status: number, body: string, context: Record<string, unknown>) {
        context.userId = status === 201 || status === 200 ? (JSON.parse(body) as { id: string }).id : undefined;
      },
    },
    {
      method: 'POST',
      setupRequest(request: RawRequest, context: Record<string, unknown>) {
        // A failed create (it should not happen) sends a user that does not exist: counted as a failure.
        request.path = `/v1/users/${(context.userId as string | undefined) ?? '00000000-0000-4000-8000-000000000000'}/sessions`;
        request.body = '{}';
        return request;
      },
    },
  ];
}

export const dialectScenarios: Scenario[] = [
  {
    key: 'tagmango',
    label: 'TagMango POST /api/v1/external/users vs POST /v1/users/find-or-create',
    versus: 'native',
    ratioTarget: DIALECT_RATIO_TARGET,
    p99Target: null,
    headers: (key) => ({ authorization: `Bearer ${key}`, 'x-whitelabel-host': TAGMANGO_HOST, ...json }),
    roster: () => dynamic('POST', () => ({ path: '/api/v1/external/users', body: tagmangoBody('tagmango') })),
    native: () => [dynamic('POST', () => ({ path: '/v1/users/find-or-create', body: tagmangoBody('native-tm') }))],
  },
  {
    key: 'thanx',
    label: 'Thanx POST /users vs POST /v1/users + POST /v1/users/{id}/sessions',
    versus: 'native',
    ratioTarget: DIALECT_RATIO_TARGET,
    p99Target: null,
    roster: () =>
      dynamic('POST', () => ({ path: '/users', body: { user: { email: newEmail('thanx'), first_name: 'Bench', last_name: 'User' } } })),
    native: nativeCreateAndSession,
  },
  {
    key: 'publicala',
    label: 'Publica.la POST /integration-api/v1/dashboard/users/ vs PUT /v1/users/by-external-id/{id}',
    versus: 'native',
    ratioTarget: DIALECT_RATIO_TARGET,
    p99Target: null,
    roster: () =>
      dynamic('POST', () => {
        const { externalId, email } = publicalaTarget('publicala');
        return { path: '/integration-api/v1/dashboard/users/', body: { external_id: externalId, email } };
      }),
    native: () => [
      dynamic('PUT', () => {
        const { externalId, email } = publicalaTarget('native-pl');
        return { path: `/v1/users/by-external-id/${encodeURIComponent(externalId)}`, body: { email } };
      }),
    ],
  },
  {
    key: 'usercom',
    label: 'User.com POST /api/public/users/update_or_create/ vs PUT /v1/users/by-external-id/{id}',
    versus: 'native',
    ratioTarget: DIALECT_RATIO_TARGET,
    p99Target: null,
    headers: (key) => ({ authorization: `Token ${key}`, ...json }),
    roster: () =>
      dynamic('POST', () => ({
        path: '/api/public/users/update_or_create/',
        body: { user_id: decodeURIComponent(upsertTarget('usercom')), first_name: upsertBody().firstName },
      })),
    native: () => [dynamic('PUT', () => ({ path: `/v1/users/by-external-id/${upsertTarget('native-uc')}`, body: upsertBody() }))],
  },
];
