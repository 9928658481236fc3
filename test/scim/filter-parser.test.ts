/** The RFC 7644 §3.4.2.2 grammar: parser, precedence, errors, PATCH paths; and the PATCH engine on its own. */
import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/scim/protocol/errors.ts';
import { printFilter } from '../../src/scim/protocol/filter-ast.ts';
import { evaluateFilter } from '../../src/scim/protocol/filter-eval.ts';
import { parseFilter, parsePatchPath } from '../../src/scim/protocol/filter-parser.ts';
import { applyPatch, parsePatchRequest } from '../../src/scim/protocol/patch.ts';

const exact = () => false;

describe('filter parser', () => {
  it('parses every operator, case-insensitively', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Sw']) {
      expect(parseFilter(`userName ${op} "bjensen"`)).toMatchObject({ kind: 'compare', op: op.toLowerCase(), value: 'bjensen' });
    }
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: { uri: null, attr: 'title', sub: null } });
    expect(parseFilter('active eq True')).toMatchObject({ value: true });
    expect(parseFilter('x eq null')).toMatchObject({ value: null });
    expect(parseFilter('x gt 1.5e2')).toMatchObject({ value: 150 });
  });

  it('binds and tighter than or, honours parentheses and not', () => {
    expect(printFilter(parseFilter('a eq 1 or b eq 2 and c eq 3'))).toBe('(a eq 1 or (b eq 2 and c eq 3))');
    expect(printFilter(parseFilter('(a eq 1 or b eq 2) and c eq 3'))).toBe('((a eq 1 or b eq 2) and c eq 3)');
    expect(printFilter(parseFilter('not (a pr) and b pr'))).toBe('(not (a pr) and b pr)');
  });

  it('parses the RFC examples: sub-attributes, URNs, complex value filters', () => {
    expect(parseFilter('name.familyName co "O\'Malley"')).toMatchObject({ path: { attr: 'name', sub: 'familyName' } });
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"')).toMatchObject({
      path: { uri: 'urn:ietf:params:scim:schemas:core:2.0:User', attr: 'userName', sub: null },
    });
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "x"').kind).toBe('compare');
    const complex = parseFilter('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]');
    expect(printFilter(complex)).toBe('(userType eq "Employee" and emails[(type eq "work" and value co "@example.com")])');
    expect(parseFilter('meta.lastModified gt "2011-05-13T04:42:34Z"').kind).toBe('compare');
    expect(parseFilter('title eq "with \\"quote\\""')).toMatchObject({ value: 'with "quote"' });
  });

  it('refuses malformed filters with invalidFilter', () => {
    for (const bad of [
      '',
      'userName',
      'userName eq',
      'userName xx "a"',
      '(a eq 1',
      'a eq 1)',
      'a eq "x',
      'a eq 1 and',
      'a.b.c eq 1',
      'emails[type eq "w"',
      '"x" eq a',
    ]) {
      try {
        parseFilter(bad);
        throw new Error(`parsed ${bad}`);
      } catch (error) {
        expect(error, bad).toBeInstanceOf(ScimError);
        expect((error as ScimError).scimType).toBe('invalidFilter');
      }
    }
  });

  it('parses PATCH paths with value filters and a trailing sub-attribute', () => {
    expect(parsePatchPath('members[value eq "2819c223"]')).toMatchObject({ path: { attr: 'members' }, subAfterFilter: null });
    expect(parsePatchPath('emails[type eq "work"].value')).toMatchObject({ subAfterFilter: 'value' });
    expect(() => parsePatchPath('emails[type eq "work"]x')).toThrow(ScimError);
  });
});

describe('reference evaluator', () => {
  const user = { userName: 'BJensen', emails: [{ value: 'b@example.com', type: 'work' }], name: { familyName: 'Jensen' }, active: true };
  it('compares case-insensitively unless caseExact, over multi-valued attributes', () => {
    expect(evaluateFilter(parseFilter('username eq "bjensen"'), user, exact)).toBe(true);
    expect(evaluateFilter(parseFilter('userName eq "bjensen"'), user, () => true)).toBe(false);
    expect(evaluateFilter(parseFilter('emails co "example"'), user, exact)).toBe(true);
    expect(evaluateFilter(parseFilter('emails[type eq "home"]'), user, exact)).toBe(false);
    expect(evaluateFilter(parseFilter('not (nickName pr) and active eq true'), user, exact)).toBe(true);
    expect(evaluateFilter(parseFilter('nickName ne "x"'), user, exact)).toBe(true);
  });
});

describe('PATCH engine', () => {
  const schema = {
    coreSchemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    multiValued: (a: string) => ['emails', 'members'].includes(a),
    caseExact: exact,
  };
  const body = (Operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });

  it('adds, replaces and removes by path, with value filters, leaving the input untouched', () => {
    const group = { displayName: 'g', members: [{ value: '1' }, { value: '2' }] };
    const ops = parsePatchRequest(
      body([
        { op: 'Add', path: 'members', value: [{ value: '3' }, { value: '1' }] },
        { op: 'Remove', path: 'members[value eq "2"]' },
        { op: 'replace', path: 'displayName', value: 'h' },
      ]),
    );
    const out = applyPatch(group, ops, schema);
    expect(out).toEqual({ displayName: 'h', members: [{ value: '1' }, { value: '3' }] });
    expect(group.members.length).toBe(2);
  });

  it('removes members by value as Entra sends it, and treats a missing target of remove as done', () => {
    const out = applyPatch(
      { members: [{ value: '1' }, { value: '2' }] },
      parsePatchRequest(body([{ op: 'remove', path: 'members', value: [{ value: '1' }] }])),
      schema,
    );
    expect(out.members).toEqual([{ value: '2' }]);
    const again = applyPatch(out, parsePatchRequest(body([{ op: 'remove', path: 'members[value eq "9"]' }])), schema);
    expect(again.members).toEqual([{ value: '2' }]);
  });

  it('merges path-less values with dotted and URN-qualified keys', () => {
    const ext = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const out = applyPatch(
      { name: { givenName: 'a', familyName: 'b' } },
      parsePatchRequest(body([{ op: 'replace', value: { 'name.givenName': 'c', [`${ext}:department`]: 'R&D', active: 'False' } }])),
      schema,
    );
    expect(out).toEqual({ name: { givenName: 'c', familyName: 'b' }, [ext]: { department: 'R&D' }, active: 'False' });
  });

  it('refuses what §3.5.2 refuses', () => {
    expect(() => parsePatchRequest({ Operations: [] })).toThrow(ScimError);
    expect(() => parsePatchRequest(body([{ op: 'move', path: 'a', value: 1 }]))).toThrow(ScimError);
    expect(() => parsePatchRequest(body([{ op: 'remove' }]))).toThrow(/path/);
    const noTarget = () =>
      applyPatch({ emails: [] }, parsePatchRequest(body([{ op: 'replace', path: 'emails[type eq "x"].value', value: 'v' }])), schema);
    expect(noTarget).toThrow(ScimError);
  });
});
