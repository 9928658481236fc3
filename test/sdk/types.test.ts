/** Compile-time contract of the SDK: `npx tsc -p .` fails when a wrong field or a wrong error code compiles. */
import { describe, expectTypeOf, it } from 'vitest';
import { isRosterError, Roster, type RosterErrorCode, type User } from '../../packages/sdk/src/index.ts';

describe('SDK types', () => {
  it('types answers, inputs and error codes from the OpenAPI document and the catalogue', () => {
    const roster = new Roster({ baseUrl: 'http://127.0.0.1:1', apiKey: 'k' });
    expectTypeOf(roster.users.get).returns.resolves.toEqualTypeOf<User>();
    expectTypeOf<User['status']>().toEqualTypeOf<'active' | 'deactivated'>();
    expectTypeOf<'USER_EMAIL_TAKEN'>().toExtend<RosterErrorCode>();
    expectTypeOf<'USER_EMAIL_TAKN'>().not.toExtend<RosterErrorCode>();

    const typeErrors = () => {
      // @ts-expect-error: not a user field
      void roster.users.findOrCreate({ emial: 'a@example.com' });
      // @ts-expect-error: status is 'active' | 'deactivated'
      void roster.users.list({ status: 'gone' });
      // @ts-expect-error: not a catalogue code
      isRosterError(new Error(), 'USER_EMAIL_TAKN');
    };
    expectTypeOf(typeErrors).toBeFunction();

    const error: unknown = null;
    if (isRosterError(error, 'USER_EMAIL_TAKEN')) expectTypeOf(error.code).toEqualTypeOf<'USER_EMAIL_TAKEN'>();
  });
});
