import type { ActorContext } from '../../core/context.ts';
import { AppError } from '../../core/errors.ts';
import type { ClientInfo } from '../../modules/sessions/sessions.ts';
import type { UserView } from '../../modules/users/users.ts';
import type { Registry } from '../../registry.ts';
import { requireNewUserNames, type ThanxCreated, type ThanxUser, toThanxCreated, toUserInput, validateUserInput } from './thanx.mapping.ts';

function isCode(error: unknown, code: AppError['code']): boolean {
  return error instanceof AppError && error.code === code;
}

async function userWithEmail(registry: Registry, ctx: ActorContext, email: string): Promise<UserView | null> {
  try {
    return await registry.usersQuery.lookupUser(ctx, { email });
  } catch (error) {
    if (isCode(error, 'USER_NOT_FOUND')) return null;
    throw error;
  }
}

/** Joins the user to the caller's brand, if it has one; false when the user is gone meanwhile. */
async function joinedCallerBrand(registry: Registry, ctx: ActorContext, user: UserView): Promise<boolean> {
  if (!ctx.brand) return true;
  try {
    await registry.usersLifecycle.joinBrand(ctx, user.id, ctx.brand.slug);
    return true;
  } catch (error) {
    if (isCode(error, 'USER_NOT_FOUND')) return false;
    throw error;
  }
}

function userExists(ctx: ActorContext): AppError {
  const joined = ctx.brand ? `; they are now signed up with ${ctx.brand.slug}` : '';
  return new AppError('USER_EMAIL_TAKEN', `A user with this email already exists${joined}`, {}, [
    { field: 'email', code: 'taken', message: `belongs to an existing user${joined}` },
  ]);
}

/**
 * Thanx's `POST /users`: a new email creates the user (joining the caller's brand, if the key has one) and opens
 * a passwordless session; a known email joins the caller's brand and is refused. Race-safe: of parallel calls
 * with one new email, exactly one creates, and the others find that user and are refused like any known email.
 * @throws AppError VALIDATION_FAILED (bad fields; first_name/last_name missing for a new email),
 *   USER_EMAIL_TAKEN (the email is known, after the brand join), USER_PHONE_TAKEN, BRAND_NOT_FOUND,
 *   UNAVAILABLE (the user kept appearing and vanishing)
 */
export async function signUpThanxUser(registry: Registry, ctx: ActorContext, user: ThanxUser, client: ClientInfo): Promise<ThanxCreated> {
  const input = toUserInput(user);
  validateUserInput(user, input, registry.clock.now().toISOString().slice(0, 10));
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await userWithEmail(registry, ctx, user.email);
    if (existing) {
      if (await joinedCallerBrand(registry, ctx, existing)) throw userExists(ctx);
      continue;
    }
    requireNewUserNames(user);
    let created: UserView;
    try {
      created = await registry.users.createUser(ctx, input);
    } catch (error) {
      // A parallel request created this email first: go round and treat it as a known email.
      if (isCode(error, 'USER_EMAIL_TAKEN')) continue;
      throw error;
    }
    const tokens = await registry.sessions.issuePasswordless(ctx, { id: created.id }, client);
    return toThanxCreated(created, tokens);
  }
  throw new AppError('UNAVAILABLE', 'The user kept changing; retry');
}
