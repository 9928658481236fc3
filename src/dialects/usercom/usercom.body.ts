import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.ts';

/** Bodies that arrived form-encoded: their values are text, to be read by each field's type. */
const formBodies = new WeakSet<object>();

// `a=1&b=two`: what jQuery's `data: {...}`, XHR's `send("a=1&b=2")` and request's `form:` put on the wire.
const FORM_LIKE = /^[^\s{["=&][^\s=&]*=[^\s&]*(?:&[^\s=&]+=[^\s&]*)*&?$/;

/** True for a body this plugin parsed from form encoding. */
export function isFormBody(body: unknown): body is Record<string, string> {
  return typeof body === 'object' && body !== null && formBodies.has(body);
}

function parseForm(text: string): Record<string, string> {
  // fromEntries defines properties (a `__proto__` field stays a field); a repeated field keeps its last value, as Django's QueryDict does.
  const fields = Object.fromEntries(new URLSearchParams(text));
  formBodies.add(fields);
  return fields;
}

/**
 * JSON, or form fields sent under a JSON content type. The document's jQuery, XHR and Node (request `form:`)
 * examples all send `user_id=...&first_name=...` with `content-type: application/json`; they are read as the
 * form they are. An empty body is empty data, as DRF reads it.
 * @throws AppError MALFORMED_JSON for text that is neither.
 */
export function parseJsonOrForm(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    if (FORM_LIKE.test(text)) return parseForm(text);
    throw new AppError('MALFORMED_JSON', 'the body is neither JSON nor form fields');
  }
}

/**
 * User.com's body parsers, in the plugin's scope only: JSON (with the form fallback above) and
 * `application/x-www-form-urlencoded`. Any other content type is a 415.
 */
export function registerUserComParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonOrForm(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });
}
