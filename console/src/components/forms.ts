import { ApiError } from '../api.ts';

/** The problem document's `errors` list by field, to show each message next to its input. */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of error.errors) out[e.field] = e.message;
  // Conflicts name their field at the top level (USER_EMAIL_TAKEN: field "email").
  const field = error.body.field;
  if (typeof field === 'string' && !out[field]) out[field] = error.message;
  return out;
}

/** A one-line message for an error that is not about one field. */
export function messageOf(error: unknown): string | null {
  if (!error) return null;
  if (error instanceof ApiError) return Object.keys(fieldErrorsOf(error)).length > 0 ? null : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Dates and times in the operator's locale and zone. */
export const formatDateTime = (iso: string | null | undefined) =>
  iso ? new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '—';

/** The error of a field or of anything inside it (`roles[0]`, `credentials.token`). */
export function errorUnder(errors: Record<string, string>, field: string): string | undefined {
  if (errors[field]) return errors[field];
  const key = Object.keys(errors).find((k) => k.startsWith(`${field}[`) || k.startsWith(`${field}.`));
  return key ? `${key}: ${errors[key]}` : undefined;
}
