import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one delivery: `webhook-id` (the event id, the same on every retry),
 * `webhook-timestamp` (seconds) and `webhook-signature`, one `v1,<base64 HMAC-SHA256>` per secret, space-separated
 * (during a rotation both the new and the old secret sign).
 * @throws Error when a secret is not a `whsec_` base64 secret.
 */
export function signatureHeaders(eventId: string, at: Date, body: string, secrets: readonly string[]): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(eventId, at, body));
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
