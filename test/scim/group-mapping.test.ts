/** The SCIM Group mapping (routes come after the groups merge): Okta's and Entra's membership PATCHes as member lists. */
import { describe, expect, it } from 'vitest';
import { toGroupChange, toGroupPatch, toScimGroup } from '../../src/scim/group-mapping.ts';
import { ScimError } from '../../src/scim/protocol/errors.ts';
import { parsePatchRequest } from '../../src/scim/protocol/patch.ts';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ops = (Operations: unknown[]) => parsePatchRequest({ schemas: [PATCH], Operations });

describe('SCIM group mapping', () => {
  it("turns Okta's add and Entra's remove-by-filter into member lists", () => {
    expect(toGroupPatch(ops([{ op: 'add', path: 'members', value: [{ value: 'u1', display: 'a' }, { value: 'u2' }] }]))).toEqual({
      addMembers: ['u1', 'u2'],
    });
    expect(toGroupPatch(ops([{ op: 'Remove', path: 'members[value eq "u3"]' }]))).toEqual({ removeMembers: ['u3'] });
    expect(toGroupPatch(ops([{ op: 'Remove', path: 'members', value: [{ value: 'u4' }] }]))).toEqual({ removeMembers: ['u4'] });
    expect(toGroupPatch(ops([{ op: 'replace', value: { displayName: 'New', externalId: 'e' } }]))).toEqual({
      displayName: 'New',
      externalId: 'e',
    });
  });

  it('adds 1,000 members in one PATCH as one list, the last op on a member winning', () => {
    const members = Array.from({ length: 1000 }, (_, i) => ({ value: `u${i}` }));
    const change = toGroupPatch(
      ops([
        { op: 'add', path: 'members', value: members },
        { op: 'remove', path: 'members[value eq "u7"]' },
      ]),
    );
    expect(change.addMembers?.length).toBe(999);
    expect(change.removeMembers).toEqual(['u7']);
  });

  it('refuses other attributes and malformed members', () => {
    expect(() => toGroupPatch(ops([{ op: 'add', path: 'owner', value: 'x' }]))).toThrow(ScimError);
    expect(() => toGroupPatch(ops([{ op: 'add', path: 'members', value: [{ display: 'no id' }] }]))).toThrow(ScimError);
    expect(() => toGroupChange({ schemas: [GROUP] })).toThrow(/displayName/);
  });

  it('renders members with value, $ref and display', () => {
    const group = {
      id: 'g1',
      displayName: 'G',
      externalId: null,
      members: [{ userId: 'u1', display: 'Ann' }],
      createdAt: 'x',
      updatedAt: 'y',
      version: 2,
    };
    expect(toScimGroup(group, 'https://r/scim/v2')).toMatchObject({
      schemas: [GROUP],
      members: [{ value: 'u1', $ref: 'https://r/scim/v2/Users/u1', display: 'Ann' }],
      meta: { version: 'W/"2"', location: 'https://r/scim/v2/Groups/g1' },
    });
    expect(toScimGroup(group, 'https://r', true).members).toBeUndefined();
  });
});
