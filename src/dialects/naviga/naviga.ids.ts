import type { SecretBox } from '../../core/secret-box.ts';

// Binding the tenant as associated data makes a token of one tenant useless in another.
const context = (tenantId: string) => `naviga:customerRegistrationId:${tenantId}`;

/**
 * Naviga's `encryptedCustomerRegistrationId`: the Roster user id sealed with AES-256-GCM under ROSTER_SECRET_KEY.
 * Opaque (the id cannot be read from it) and tamper-proof (an altered token does not open). A fresh IV per call,
 * so two answers for one user carry different tokens; both open to the same id.
 */
export function sealCustomerRegistrationId(box: SecretBox, tenantId: string, userId: string): string {
  return box.seal(userId, context(tenantId));
}

/**
 * The user id inside a token made by sealCustomerRegistrationId.
 * @throws Error when the token was altered, truncated, made with another key or for another tenant.
 */
export function openCustomerRegistrationId(box: SecretBox, tenantId: string, token: string): string {
  return box.open(token, context(tenantId));
}
