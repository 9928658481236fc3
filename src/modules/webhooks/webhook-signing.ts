import { Webhook } from 'standardwebhooks';

/** One signer per secret of an endpoint (the new and, during a rotation, the old). */
export type Signers = readonly Webhook[];

/**
 * Signers for `whsec_` secrets; built once per endpoint and round, not per delivery.
 * @throws Error when a secret is not a `whsec_` base64 secret.
 */
export function signersOf(secrets: readonly string[]): Signers {
  return secrets.map((secret) => new Webhook(secret));
}

/**
 * The Standard Webhooks headers of one delivery: `webhook-id` (the event id, the same on every retry),
 * `webhook-timestamp` (seconds) and `webhook-signature`, one `v1,<base64 HMAC-SHA256>` per secret, space-separated
 * (during a rotation both the new and the old secret sign).
 */
export function signatureHeaders(eventId: string, at: Date, body: string, signers: Signers): Record<string, string> {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signers.map((signer) => signer.sign(eventId, at, body)).join(' '),
  };
}
