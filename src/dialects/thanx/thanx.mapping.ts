import type { Static } from 'typebox';
import { AppError, type FieldError } from '../../core/errors.ts';
import type { TokenResponse } from '../../modules/sessions/sessions.ts';
import { normalizeUserInput, type UserInput, type UserView, validationError } from '../../modules/users/users.ts';
import type { ThanxCreatedSchema, ThanxUserSchema } from './thanx.schemas.ts';

export type ThanxUser = Static<typeof ThanxUserSchema>;
export type ThanxCreated = Static<typeof ThanxCreatedSchema>;
type ThanxBirthDate = NonNullable<ThanxUser['birth_date']>;

// Thanx documents one phone form (+14158672345); the core would also read national or spaced numbers.
const E164 = /^\+[1-9]\d{6,14}$/;

/** Roster field names that Thanx spells differently; the others (email, phone, gender) are the same. */
const THANX_NAMES: Record<string, string> = {
  firstName: 'first_name',
  lastName: 'last_name',
  birthDate: 'birth_date',
  postalCode: 'zip_code',
};

/** A Thanx field name for a Roster one, or for a body path (`user.birth_date.day` → `birth_date.day`). */
export function toThanxField(field: string): string {
  const path = field.startsWith('user.') ? field.slice('user.'.length) : field;
  // Own keys only: a field named `constructor` or `__proto__` is itself, not Object.prototype's member.
  return Object.hasOwn(THANX_NAMES, path) ? (THANX_NAMES[path] as string) : path;
}

function birthDateText({ year, month, day }: ThanxBirthDate): string {
  // A year outside 0..9999 becomes text the core's date check refuses, reported on birth_date.
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The core input for a Thanx `user` hash; null fields are treated as absent. */
export function toUserInput(user: ThanxUser): UserInput {
  const input: UserInput = { email: user.email };
  if (user.phone != null) input.phone = user.phone;
  if (user.first_name != null) input.firstName = user.first_name;
  if (user.last_name != null) input.lastName = user.last_name;
  if (user.birth_date != null) input.birthDate = birthDateText(user.birth_date);
  if (user.gender != null) input.gender = user.gender;
  if (user.zip_code != null) input.postalCode = user.zip_code;
  return input;
}

/**
 * Checks every field of a Thanx `user` hash before anything is looked up or written, so a bad request has no
 * effect (not even a brand join). The core's own rules decide; Thanx adds only the strict phone form.
 * @throws AppError VALIDATION_FAILED naming every invalid field, in Roster's field names.
 */
export function validateUserInput(user: ThanxUser, input: UserInput, today: string): void {
  const errors: FieldError[] = [];
  if (user.phone != null && !E164.test(user.phone)) {
    errors.push({ field: 'phone', code: 'invalid_phone', message: 'must be in E.164 form, e.g. +14158672345' });
  }
  try {
    normalizeUserInput(input, { defaultCountry: null, today });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    errors.push(...error.fieldErrors.filter((e) => !errors.some((known) => known.field === e.field)));
  }
  if (errors.length > 0) throw validationError(errors);
}

/**
 * A new user needs a first and a last name; an existing one may be named by email alone.
 * @throws AppError VALIDATION_FAILED naming the missing fields.
 */
export function requireNewUserNames(user: ThanxUser): void {
  const missing = (['first_name', 'last_name'] as const).filter((name) => !user[name]?.trim());
  if (missing.length === 0) return;
  throw validationError(missing.map((field) => ({ field, code: 'required', message: 'is required for a new user' })));
}

function toThanxBirthDate(date: string | null): ThanxBirthDate | null {
  if (!date) return null;
  const [year, month, day] = date.split('-').map(Number);
  return { year, month, day } as ThanxBirthDate;
}

/** The `201` body: Thanx's user and the passwordless authorization of its first session. */
export function toThanxCreated(user: UserView, tokens: TokenResponse): ThanxCreated {
  return {
    user: {
      id: user.id,
      email: user.email,
      phone: user.phone,
      first_name: user.firstName,
      last_name: user.lastName,
      birth_date: toThanxBirthDate(user.birthDate),
      gender: user.gender,
      zip_code: user.postalCode,
    },
    authorization: {
      token_type: 'Bearer',
      scope: 'passwordless',
      created_at: Math.floor(Date.parse(tokens.session.createdAt) / 1000),
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
    },
  };
}
