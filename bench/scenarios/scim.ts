/**
 * SCIM: Okta's and Entra's existence check, `GET /scim/v2/Users?filter=userName eq "…"`, against the native lookup
 * by username on the same Roster server (the issue's target: within 80 % of the native req/s); and a membership
 * PATCH as Okta and Entra send it (add one member, remove another) against the native PATCH /v1/groups/{id} with
 * the same add/remove lists.
 */
import { dynamic, json, pick, type Scenario } from '../scenario.ts';
import { P99_TARGET_MS } from '../settings.ts';

const SCIM_USERS = 200;
const userName = (i: number) => `scim-bench-${i}@bench.example`;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The bench group and its candidate members, filled by the membership scenario's prepare. */
const membership = { groupId: '', userIds: [] as string[] };

/** Two different random members: one to add, one to remove (a real change most of the time). */
function pair(): [string, string] {
  const n = membership.userIds.length;
  const a = pick(n);
  const b = (a + 1 + pick(n - 1)) % n;
  return [membership.userIds[a] as string, membership.userIds[b] as string];
}

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
  {
    key: 'scim-membership',
    label: 'PATCH /scim/v2/Groups/{id} (add one member, remove one)',
    ratioTarget: 0.8,
    p99Target: P99_TARGET_MS,
    versus: 'native',
    headers: (key) => ({ authorization: `Bearer ${key}`, ...json }),
    async prepare(roster) {
      membership.userIds = [];
      for (let i = 0; i < SCIM_USERS; i++) {
        const user = await roster('POST', '/v1/users', { username: userName(i) }).catch(() =>
          roster('GET', `/v1/users/lookup?username=${encodeURIComponent(userName(i))}`),
        );
        membership.userIds.push(user.id);
      }
      const group = await roster('POST', '/v1/groups', { displayName: 'scim-bench-group' }).catch(async () => {
        const page = await roster('GET', '/v1/groups?displayName=scim-bench-group');
        return page.data[0];
      });
      membership.groupId = group.id;
    },
    roster: () =>
      dynamic('PATCH', () => {
        const [add, remove] = pair();
        return {
          path: `/scim/v2/Groups/${membership.groupId}?excludedAttributes=members`,
          body: {
            schemas: [PATCH_OP],
            Operations: [
              { op: 'add', path: 'members', value: [{ value: add }] },
              { op: 'remove', path: `members[value eq "${remove}"]` },
            ],
          },
        };
      }),
    native: () => [
      dynamic('PATCH', () => {
        const [add, remove] = pair();
        return { path: `/v1/groups/${membership.groupId}`, body: { addMembers: [add], removeMembers: [remove] } };
      }),
    ],
  },
];
