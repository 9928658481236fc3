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

// One formatter for every date: constructing an Intl.DateTimeFormat resolves the locale each time, which made the
// users list's Created column most of its first render (25 of them, 350 ms of a cold load's profile).
let dateTimeFormat: Intl.DateTimeFormat | null = null;

/** Dates and times in the operator's locale and zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return dateTimeFormat.format(new Date(iso));
}

/** The error of a field or of anything inside it (`roles[0]`, `credentials.token`). */
export function errorUnder(errors: Record<string, string>, field: string): string | undefined {
  if (errors[field]) return errors[field];
  const key = Object.keys(errors).find((k) => k.startsWith(`${field}[`) || k.startsWith(`${field}.`));
  return key ? `${key}: ${errors[key]}` : undefined;
}

/** A comma-separated input as a list: each item trimmed, blanks left out. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
