import type { Clock } from '../core/clock.ts';
import type { ActorContext } from '../core/context.ts';
import { AppError } from '../core/errors.ts';
import type { ClientInfo, TokenResponse } from '../modules/sessions/sessions.ts';
import type { UserInput, UserView } from '../modules/users/users.ts';
import type { UserChanges } from './apply-user-change.ts';
import type { UsersQueryService } from './query-users.ts';

export interface SignUpInput {
  /** The new user's profile; its email says whether the person is known. */
  profile: UserInput & { email: string };
  client: ClientInfo;
  /** Checks what only a new user must carry (a dialect's required names); throws to refuse. */
  checkNew?: () => void;
}

export interface SignUpResult {
  user: UserView;
  session: TokenResponse;
}

export interface SignUps {
  /**
   * A new email creates the user, joins the caller's brand and opens a passwordless session, all in one
   * transaction (a failing session leaves no user and no event). A known email joins the caller's brand and is
   * refused. Race-safe: of parallel calls with one new email, one creates and the others are refused.
   * @throws AppError USER_EMAIL_TAKEN (known email, after the brand join), VALIDATION_FAILED, USER_PHONE_TAKEN,
   *   SESSIONS_LIMIT_REACHED, UNAVAILABLE (the user kept appearing and vanishing)
   */
  signUpWithSession(ctx: ActorContext, input: SignUpInput): Promise<SignUpResult>;
}

function isCode(error: unknown, code: AppError['code']): boolean {
  return error instanceof AppError && error.code === code;
}

function userExists(ctx: ActorContext): AppError {
  const joined = ctx.brand ? `; they are now signed up with ${ctx.brand.slug}` : '';
  return new AppError('USER_EMAIL_TAKEN', `A user with this email already exists${joined}`, {}, [
    { field: 'email', code: 'taken', message: `belongs to an existing user${joined}` },
  ]);
}

export function createSignUps(deps: {
  userChanges: UserChanges;
  usersQuery: Pick<UsersQueryService, 'lookupUser'>;
  clock: Clock;
}): SignUps {
  const { userChanges, usersQuery } = deps;

  async function userWithEmail(ctx: ActorContext, email: string): Promise<UserView | null> {
    try {
      return await usersQuery.lookupUser(ctx, { email });
    } catch (error) {
      if (isCode(error, 'USER_NOT_FOUND')) return null;
      throw error;
    }
  }

  /** Joins a known user to the caller's brand; false when the user is gone meanwhile. */
  async function joinedCallerBrand(ctx: ActorContext, user: UserView): Promise<boolean> {
    if (!ctx.brand) return true;
    try {
      await userChanges.applyUserChange(ctx, { kind: 'id', id: user.id }, { brands: { join: [ctx.brand.slug] } });
      return true;
    } catch (error) {
      if (isCode(error, 'USER_NOT_FOUND')) return false;
      throw error;
    }
  }

  return {
    async signUpWithSession(ctx, input) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const existing = await userWithEmail(ctx, input.profile.email);
        if (existing) {
          if (await joinedCallerBrand(ctx, existing)) throw userExists(ctx);
          continue;
        }
        input.checkNew?.();
        try {
          const { user, facts } = await userChanges.applyUserChange(
            ctx,
            { kind: 'create' },
            { profile: input.profile },
            { passwordlessSession: input.client },
          );
          if (!facts.session) throw new Error('sign-up opened no session');
          return { user, session: facts.session };
        } catch (error) {
          // A parallel request created this email first: go round and treat it as a known email.
          if (isCode(error, 'USER_EMAIL_TAKEN')) continue;
          throw error;
        }
      }
      throw new AppError('UNAVAILABLE', 'The user kept changing; retry');
    },
  };
}
