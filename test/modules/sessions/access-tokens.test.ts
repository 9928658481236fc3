/**
 * Access tokens as an outside party sees them: an independent verifier (`jose` with the JWKS fetched over
 * HTTP) accepts them, forged and misused tokens are refused by GET /v1/me and by introspection, a revoked
 * session's token fails at once, and signing keys rotate without breaking the tokens already out.
 *
 * One app on a clock that starts at the real time (tokens must also pass `jose` on the real clock) and that
 * the rotation test moves forward: the signing keys are shared by every test file on the database, so a
 * rotation here retires the old key at about the real time and other files' tokens keep verifying.
 */
import type { AddressInfo } from 'node:net';
import {
  base64url,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.ts';
import { createTenant, createTestApp, type TestApp, type TestTenant } from '../../helpers/app.ts';
import { expectProblem } from '../../helpers/problem.ts';
import { createUser } from '../../helpers/users.ts';

const PASSWORD = 'correct horse battery staple 42';
const ACCESS_SECONDS = 900;

const clock = fixedClock(new Date());
let t: TestApp;
let tenantA: TestTenant;
let tenantB: TestTenant;
let baseUrl: string;
let userA: { id: string; email: string };
let userA2: { id: string; email: string };

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  scope: string;
  session: { id: string; userId: string };
}

beforeAll(async () => {
  t = await createTestApp({ clock });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  tenantA = await createTenant(t);
  tenantB = await createTenant(t);
  userA = await createUser(t, tenantA, { email: 'ann@example.com', password: PASSWORD });
  userA2 = await createUser(t, tenantA, { email: 'bob@example.com', password: PASSWORD });
});
afterAll(() => t.close());

async function signIn(tenant: TestTenant, email: string): Promise<Tokens> {
  const res = await t.call({ method: 'POST', url: '/v1/sessions', headers: tenant.auth, payload: { email, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

function me(token: string) {
  return t.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
}

async function introspect(tenant: TestTenant, token: string): Promise<any> {
  const res = await t.call({ method: 'POST', url: '/v1/sessions/introspect', headers: tenant.auth, payload: { token } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

function refresh(tenant: TestTenant, refreshToken: string) {
  return t.call({ method: 'POST', url: '/v1/sessions/refresh', headers: tenant.auth, payload: { refreshToken } });
}

/** A JWKS client as a resource server would hold one: fetched over HTTP, nothing shared with the app. */
function remoteJwks() {
  return createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`));
}

function verifyRemotely(token: string, jwks = remoteJwks()) {
  return jwtVerify(token, jwks, {
    issuer: t.config.tokens.issuer,
    audience: t.config.tokens.audience,
    typ: 'at+jwt',
    algorithms: ['EdDSA'],
    currentDate: clock.now(),
  });
}

async function jwksKids(): Promise<string[]> {
  const res = await t.call({ method: 'GET', url: '/.well-known/jwks.json' });
  expect(res.statusCode).toBe(200);
  return res.json().keys.map((k: { kid: string }) => k.kid);
}

const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

/** The claims a real access token of `tokens` carries, for forgeries that only change one thing. */
function claimsOf(tokens: Tokens): JWTPayload {
  return decodeJwt(tokens.accessToken);
}

/** Signs `claims` with the app's own current signing key, with the given header fields overriding ours. */
async function signWithOurKey(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const signer = await t.registry.signingKeys.signer();
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: signer.kid, typ: 'at+jwt', ...header }).sign(signer.key);
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('an independent verifier', () => {
  it('accepts our access tokens with the JWKS fetched over HTTP', async () => {
    const tokens = await signIn(tenantA, userA.email);
    expect(tokens.expiresIn).toBe(ACCESS_SECONDS);
    const { payload, protectedHeader } = await verifyRemotely(tokens.accessToken);
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
    expect(payload).toMatchObject({
      iss: 'roster',
      aud: 'roster',
      sub: userA.id,
      tid: tenantA.id,
      sid: tokens.session.id,
      scope: 'password',
      jti: expect.any(String),
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(ACCESS_SECONDS);
    expect(payload.iat).toBe(nowSeconds());
    expect(await jwksKids()).toContain(protectedHeader.kid);

    const jwks = await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json();
    const published = jwks.keys.find((k: { kid: string }) => k.kid === protectedHeader.kid);
    // Public halves only.
    expect(published).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', x: expect.any(String) });
    expect(published).not.toHaveProperty('d');
  });

  it('and so does the app: the token opens /v1/me and introspects as active', async () => {
    const tokens = await signIn(tenantA, userA.email);
    const res = await me(tokens.accessToken);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: userA.id, email: userA.email });
    expect(await introspect(tenantA, tokens.accessToken)).toMatchObject({
      active: true,
      token_type: 'access_token',
      sub: userA.id,
      sid: tokens.session.id,
      tid: tenantA.id,
      scope: 'password',
      user: { id: userA.id },
    });
  });

  it('a token checked before is refused once it expires', async () => {
    const fresh = await signIn(tenantA, userA2.email);
    const { exp } = decodeJwt(fresh.accessToken) as { exp: number };
    expect((await me(fresh.accessToken)).statusCode).toBe(200);
    const start = clock.now();
    try {
      clock.set(new Date(exp * 1000 - 1000));
      expect((await me(fresh.accessToken)).statusCode).toBe(200);
      clock.set(new Date(exp * 1000));
      expectProblem(await me(fresh.accessToken), 401, 'ACCESS_TOKEN_INVALID');
    } finally {
      clock.set(start);
    }
  });

  it('passwordless tokens carry scope passwordless', async () => {
    const res = await t.call({ method: 'POST', url: `/v1/users/${userA.id}/sessions`, headers: tenantA.auth, payload: {} });
    expect(res.statusCode, res.body).toBe(201);
    const { payload } = await verifyRemotely(res.json().accessToken);
    expect(payload).toMatchObject({ sub: userA.id, scope: 'passwordless' });
  });
});

describe('forged and misused access tokens', () => {
  let tokens: Tokens;
  beforeAll(async () => {
    tokens = await signIn(tenantA, userA.email);
  });

  /** Each builds a token that must be refused everywhere, by /v1/me and by introspection. */
  const forgeries: { name: string; build: () => Promise<string> }[] = [
    {
      name: 'alg none (unsecured JWT, right claims)',
      build: async () => {
        const { kid } = decodeProtectedHeader(tokens.accessToken);
        return `${encode({ alg: 'none', kid, typ: 'at+jwt' })}.${encode(claimsOf(tokens))}.`;
      },
    },
    {
      name: 'alg none carrying a real signature',
      build: async () => {
        const { kid } = decodeProtectedHeader(tokens.accessToken);
        const [, payload, signature] = tokens.accessToken.split('.');
        return `${encode({ alg: 'none', kid, typ: 'at+jwt' })}.${payload}.${signature}`;
      },
    },
    {
      name: 'a fresh Ed25519 key presenting our kid',
      build: async () => {
        const { kid } = decodeProtectedHeader(tokens.accessToken);
        const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
        return new SignJWT(claimsOf(tokens)).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' }).sign(privateKey);
      },
    },
    {
      name: 'an unknown kid',
      build: async () => {
        const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
        return new SignJWT(claimsOf(tokens))
          .setProtectedHeader({ alg: 'EdDSA', kid: '0190a4c2-0000-7000-8000-000000000000', typ: 'at+jwt' })
          .sign(privateKey);
      },
    },
    {
      name: 'no kid at all (signed with our key)',
      build: async () => {
        const signer = await t.registry.signingKeys.signer();
        return new SignJWT(claimsOf(tokens)).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' }).sign(signer.key);
      },
    },
    {
      name: 'expired (signed with our key)',
      build: () => signWithOurKey({ ...claimsOf(tokens), iat: nowSeconds() - 2 * ACCESS_SECONDS, exp: nowSeconds() - 1 }),
    },
    {
      name: 'no exp (signed with our key)',
      build: async () => {
        const { exp: _exp, ...claims } = claimsOf(tokens);
        return signWithOurKey({ ...claims, iat: nowSeconds() });
      },
    },
    { name: 'a wrong aud (signed with our key)', build: () => signWithOurKey({ ...claimsOf(tokens), aud: 'someone-else' }) },
    { name: 'a wrong iss (signed with our key)', build: () => signWithOurKey({ ...claimsOf(tokens), iss: 'https://evil.example' }) },
    { name: 'typ JWT instead of at+jwt (signed with our key)', build: () => signWithOurKey(claimsOf(tokens), { typ: 'JWT' }) },
    {
      name: 'no typ (signed with our key)',
      build: async () => {
        const signer = await t.registry.signingKeys.signer();
        return new SignJWT(claimsOf(tokens)).setProtectedHeader({ alg: 'EdDSA', kid: signer.kid }).sign(signer.key);
      },
    },
    {
      name: 'HS256 keyed with the public key bytes',
      build: async () => {
        const { kid } = decodeProtectedHeader(tokens.accessToken);
        const jwks = await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json();
        const published = jwks.keys.find((k: { kid: string }) => k.kid === kid);
        return new SignJWT(claimsOf(tokens)).setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' }).sign(base64url.decode(published.x));
      },
    },
    {
      name: 'HS256 keyed with the JWK text',
      build: async () => {
        const { kid } = decodeProtectedHeader(tokens.accessToken);
        const jwks = await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json();
        const published = jwks.keys.find((k: { kid: string }) => k.kid === kid);
        return new SignJWT(claimsOf(tokens))
          .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
          .sign(new TextEncoder().encode(JSON.stringify(published)));
      },
    },
    {
      name: 'a tampered payload (sub changed, signature kept)',
      build: async () => {
        const [header, , signature] = tokens.accessToken.split('.');
        return `${header}.${encode({ ...claimsOf(tokens), sub: userA2.id })}.${signature}`;
      },
    },
    {
      name: 'a tampered header (kid kept, typ dropped, signature kept)',
      build: async () => {
        const { kid } = decodeProtectedHeader(tokens.accessToken);
        const [, payload, signature] = tokens.accessToken.split('.');
        return `${encode({ alg: 'EdDSA', kid })}.${payload}.${signature}`;
      },
    },
    {
      name: "another user's sub on this session (signed with our key)",
      build: () => signWithOurKey({ ...claimsOf(tokens), sub: userA2.id }),
    },
    {
      name: 'a session that does not exist (signed with our key)',
      build: () => signWithOurKey({ ...claimsOf(tokens), sid: '0190a4c2-0000-7000-8000-000000000001' }),
    },
    {
      name: "another tenant's tid on this session (signed with our key)",
      build: () => signWithOurKey({ ...claimsOf(tokens), tid: tenantB.id }),
    },
    { name: 'a garbage string', build: async () => 'not-a-token' },
    { name: 'three garbage segments', build: async () => 'aaaa.bbbb.cccc' },
    { name: 'an API key', build: async () => tenantA.key },
  ];

  it.each(forgeries)('refuses $name on /v1/me and in introspection', async ({ build }) => {
    const token = await build();
    expectProblem(await me(token), 401, 'ACCESS_TOKEN_INVALID');
    expect(await introspect(tenantA, token)).toEqual({ active: false });
  });

  it('the genuine token still works after all that', async () => {
    expect((await me(tokens.accessToken)).statusCode).toBe(200);
    expect((await introspect(tenantA, tokens.accessToken)).active).toBe(true);
  });

  it('a refresh token is not an access token', async () => {
    expectProblem(await me(tokens.refreshToken), 401, 'ACCESS_TOKEN_INVALID');
    // Introspection may report it, but only ever as what it is: a refresh token.
    const seen = await introspect(tenantA, tokens.refreshToken);
    expect(seen.token_type).toBe('refresh_token');
    // And the refresh token still works: being refused as an access token did not burn it.
    const refreshed = await refresh(tenantA, tokens.refreshToken);
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    tokens = { ...tokens, ...refreshed.json() };
  });

  it('an access token is not a refresh token', async () => {
    // Refused by shape: longer than any refresh token (422), or not one (401); never a new pair.
    const res = await refresh(tenantA, tokens.accessToken);
    expect([401, 422], res.body).toContain(res.statusCode);
    expect(res.json().code).toMatch(/^(REFRESH_TOKEN_INVALID|VALIDATION_FAILED)$/);
  });

  it('an empty bearer gets 401 and introspecting an empty token is inactive', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/me', headers: { authorization: 'Bearer ' } });
    expect(res.statusCode).toBe(401);
    // No credential at all: reported as missing rather than invalid.
    expect(res.json().code).toBe('AUTH_REQUIRED');
    expect(await introspect(tenantA, '')).toEqual({ active: false });
  });

  it('tokens are never read from the query string', async () => {
    const res = await t.call({ method: 'GET', url: `/v1/me?access_token=${encodeURIComponent(tokens.accessToken)}` });
    expectProblem(res, 401, 'AUTH_REQUIRED');
  });
});

describe("another tenant's tokens", () => {
  it('introspect as inactive with another tenant key', async () => {
    const tokens = await signIn(tenantA, userA.email);
    expect(await introspect(tenantB, tokens.accessToken)).toEqual({ active: false });
    expect(await introspect(tenantB, tokens.refreshToken)).toEqual({ active: false });
    expect((await introspect(tenantA, tokens.accessToken)).active).toBe(true);
  });

  it("cannot be refreshed with another tenant's key, and the failed attempt does not burn the token", async () => {
    const tokens = await signIn(tenantA, userA.email);
    expectProblem(await refresh(tenantB, tokens.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    expectProblem(await refresh(tenantB, tokens.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    // Not counted as a reuse in A: the session is live and its refresh token still refreshes once.
    expect((await me(tokens.accessToken)).statusCode).toBe(200);
    const refreshed = await refresh(tenantA, tokens.refreshToken);
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect((await me(refreshed.json().accessToken)).statusCode).toBe(200);
  });
});

describe('revocation', () => {
  it('ending a session kills its access token at once, long before exp', async () => {
    const tokens = await signIn(tenantA, userA.email);
    const other = await signIn(tenantA, userA.email);
    expect((await me(tokens.accessToken)).statusCode).toBe(200);
    const ended = await t.call({ method: 'DELETE', url: `/v1/sessions/${tokens.session.id}`, headers: tenantA.auth });
    expect(ended.statusCode, ended.body).toBe(204);
    // Same clock: the token is nowhere near its exp, and its signature is still good.
    await verifyRemotely(tokens.accessToken);
    expectProblem(await me(tokens.accessToken), 401, 'ACCESS_TOKEN_INVALID');
    expect(await introspect(tenantA, tokens.accessToken)).toEqual({ active: false });
    expect(await introspect(tenantA, tokens.refreshToken)).toEqual({ active: false });
    expectProblem(await refresh(tenantA, tokens.refreshToken), 401, 'REFRESH_TOKEN_INVALID');
    // Another session of the same user is untouched.
    expect((await me(other.accessToken)).statusCode).toBe(200);
  });

  it('a force logout kills every access token of the user at once', async () => {
    const first = await signIn(tenantA, userA2.email);
    const second = await signIn(tenantA, userA2.email);
    const res = await t.call({ method: 'POST', url: `/v1/users/${userA2.id}/logout`, headers: tenantA.auth });
    expect(res.statusCode, res.body).toBe(200);
    for (const tokens of [first, second]) {
      expectProblem(await me(tokens.accessToken), 401, 'ACCESS_TOKEN_INVALID');
      expect(await introspect(tenantA, tokens.accessToken)).toEqual({ active: false });
    }
  });
});

// Last: it moves the clock forward.
describe('signing key rotation', () => {
  it('signs new tokens with the new key; old ones verify until they have expired, then their key is gone', async () => {
    const before = await signIn(tenantA, userA.email);
    const oldKid = decodeProtectedHeader(before.accessToken).kid as string;
    const oldSigner = await t.registry.signingKeys.signer();
    expect(oldSigner.kid).toBe(oldKid);
    // A verifier that fetched the JWKS before the rotation.
    const earlyJwks = remoteJwks();
    await verifyRemotely(before.accessToken, earlyJwks);

    const rotated = await t.registry.signingKeys.rotate();
    expect(rotated.kid).not.toBe(oldKid);
    expect(rotated.retired).toContain(oldKid);

    const after = await signIn(tenantA, userA.email);
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(rotated.kid);
    expect(await jwksKids()).toEqual(expect.arrayContaining([oldKid, rotated.kid]));
    const jwks = remoteJwks();
    for (const tokens of [before, after]) {
      await verifyRemotely(tokens.accessToken, jwks);
      expect((await me(tokens.accessToken)).statusCode).toBe(200);
      expect((await introspect(tenantA, tokens.accessToken)).active).toBe(true);
    }
    // The verifier that knew only the old key still verifies the old token.
    await verifyRemotely(before.accessToken, earlyJwks);

    // A token the old key signs now, as a process that has not yet seen the rotation would: it is fresh
    // whenever it is checked, so its refusal below is the key's retirement, not the token's expiry.
    const oldKeyToken = () =>
      new SignJWT({ ...claimsOf(before), iat: nowSeconds(), exp: nowSeconds() + ACCESS_SECONDS })
        .setProtectedHeader({ alg: 'EdDSA', kid: oldKid, typ: 'at+jwt' })
        .sign(oldSigner.key);
    expect((await me(await oldKeyToken())).statusCode).toBe(200);

    // Just inside the window (access token lifetime + 60 s of skew) the old key still verifies...
    clock.advance((ACCESS_SECONDS + 59) * 1000);
    expect(await jwksKids()).toContain(oldKid);
    const remembered = await oldKeyToken();
    expect((await me(remembered)).statusCode).toBe(200);
    await verifyRemotely(await oldKeyToken(), remoteJwks());
    // ...and past it, it is gone from the JWKS and nothing it signs verifies.
    clock.advance(2000);
    const kids = await jwksKids();
    expect(kids).not.toContain(oldKid);
    expect(kids).toContain(rotated.kid);
    const late = await oldKeyToken();
    expectProblem(await me(late), 401, 'ACCESS_TOKEN_INVALID');
    // A token that verified a moment ago (and is remembered as verified) stops with its key, though not expired.
    expectProblem(await me(remembered), 401, 'ACCESS_TOKEN_INVALID');
    expect(await introspect(tenantA, late)).toEqual({ active: false });
    await expect(verifyRemotely(late, remoteJwks())).rejects.toThrow();
    // The tokens issued before the rotation are long expired too.
    expectProblem(await me(before.accessToken), 401, 'ACCESS_TOKEN_INVALID');

    // The new key keeps working.
    const later = await signIn(tenantA, userA.email);
    expect(decodeProtectedHeader(later.accessToken).kid).toBe(rotated.kid);
    await verifyRemotely(later.accessToken, remoteJwks());
    expect((await me(later.accessToken)).statusCode).toBe(200);
  });

  it('another process accepts tokens of a new key as soon as they are issued', async () => {
    // A second app on the same database stands for another server process. It has just read the keys.
    const other = await createTestApp({ clock });
    try {
      await other.registry.signingKeys.jwks();
      const rotated = await t.registry.signingKeys.rotate();
      // No password: the token exists within milliseconds of the rotation.
      const res = await t.call({ method: 'POST', url: `/v1/users/${userA.id}/sessions`, headers: tenantA.auth, payload: {} });
      expect(res.statusCode, res.body).toBe(201);
      const { accessToken } = res.json();
      expect(decodeProtectedHeader(accessToken).kid).toBe(rotated.kid);
      const seen = await other.call({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
      expect(seen.statusCode, seen.body).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('the public key in the JWKS is the one that verifies', async () => {
    const tokens = await signIn(tenantA, userA.email);
    const { kid } = decodeProtectedHeader(tokens.accessToken);
    const key = await t.registry.signingKeys.verifier(kid as string);
    expect(key).not.toBeNull();
    const exported = await exportJWK(key as CryptoKey);
    const published = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()).keys.find((k: { kid: string }) => k.kid === kid);
    expect(published.x).toBe(exported.x);
  });
});
