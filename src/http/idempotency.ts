import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../core/canonical-json.ts';
import { AppError } from '../core/errors.ts';
import { sha256Hex } from '../core/secrets.ts';
import type { Registry } from '../registry.ts';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: string | null;
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['etag', 'location', 'content-type'];

/**
 * Idempotency-Key on routes marked `idempotent`: the same key and body within 24 h replays the first
 * response; the same key with another body is a 422; a key still in flight is a 409.
 */
export function registerIdempotency(app: FastifyInstance, registry: Registry): void {
  app.decorateRequest('idempotencyKey', null);

  // Hooked on the idempotent routes only: the others pay nothing for it.
  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    route.preHandler = [...hooksOf(route.preHandler), reserve];
    route.onSend = [...hooksOf(route.onSend), complete];
  });

  async function reserve(request: FastifyRequest, reply: FastifyReply) {
    const raw = request.headers['idempotency-key'];
    if (raw === undefined) return;
    if (typeof raw !== 'string' || !KEY.test(raw)) {
      throw new AppError('INVALID_PARAMETER', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {}, [
        { field: 'idempotency-key', code: 'invalid', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const fingerprint = sha256Hex(`${request.method} ${request.url}\n${canonicalJson(withoutPassword(request.body ?? null))}`);
    const result = await registry.idempotency.reserve(request.ctx.tenantId, raw, fingerprint);
    if (result.kind === 'mismatch') throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with another request');
    if (result.kind === 'in_progress') throw new AppError('IDEMPOTENCY_KEY_IN_PROGRESS');
    if (result.kind === 'replay') {
      reply.code(result.statusCode).headers(result.headers).header('idempotent-replayed', 'true');
      return reply.send(result.body);
    }
    request.idempotencyKey = raw;
  }

  async function complete(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const key = request.idempotencyKey;
    if (!key || reply.getHeader('idempotent-replayed')) return payload;
    request.idempotencyKey = null;
    if (reply.statusCode >= 500) {
      await registry.idempotency.release(request.ctx.tenantId, key);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    let body: unknown = null;
    if (typeof payload === 'string' && payload.length > 0) {
      try {
        body = JSON.parse(payload);
      } catch {
        body = payload;
      }
    }
    await registry.idempotency.complete(request.ctx.tenantId, key, reply.statusCode, body, headers);
    return payload;
  }
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/**
 * The body as fingerprinted: a fast unsalted digest of a body holding a password would be an offline
 * guessing oracle for it, so the password is left out (a retry that changes only the password replays).
 */
function withoutPassword(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('password' in body)) return body;
  const { password: _password, ...rest } = body as Record<string, unknown>;
  return rest;
}
