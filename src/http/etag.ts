import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidField } from '../core/errors.ts';

/** Sets the ETag of a versioned resource. */
export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', `"${version}"`);
}

/**
 * The version an If-Match header asks for; undefined when absent or `*`.
 * @throws AppError INVALID_PARAMETER when it is not an ETag this API issued.
 */
export function expectedVersion(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined || raw.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!match) throw invalidField('if-match', 'must be an ETag from this API, like "3"', 'invalid', 'INVALID_PARAMETER');
  return Number(match[1]);
}
