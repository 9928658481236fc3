import type { RequestOptions, Transport } from '../http.ts';
import type { Introspection, RequestBody, ResponseBody, SignInInput, TokenResponse } from '../types.ts';
import type { UserRef } from './users.ts';

const userPath = (ref: UserRef) => (typeof ref === 'string' ? `/v1/users/${encodeURIComponent(ref)}` : `/v1/users/by-external-id/${encodeURIComponent(ref.externalId)}`);

/** `roster.sessions`: sign-in, tokens and sessions. */
export class Sessions {
  constructor(private readonly http: Transport) {}

  /** Signs a user in with a password. @throws RosterError INVALID_CREDENTIALS, USER_DEACTIVATED, TOO_MANY_ATTEMPTS */
  async signIn(input: SignInInput, options?: RequestOptions): Promise<TokenResponse> {
    return (await this.http.send<TokenResponse>({ method: 'POST', path: '/v1/sessions', body: input, options })).data;
  }

  /** New tokens for a refresh token (which is rotated). @throws RosterError REFRESH_TOKEN_INVALID */
  async refresh(refreshToken: string, options?: RequestOptions): Promise<ResponseBody<'refreshSession'>> {
    const body: RequestBody<'refreshSession'> = { refreshToken };
    return (await this.http.send<ResponseBody<'refreshSession'>>({ method: 'POST', path: '/v1/sessions/refresh', body, options })).data;
  }

  /** Whether an access or refresh token is live (RFC 7662). */
  async introspect(token: string, options?: RequestOptions): Promise<Introspection> {
    return (await this.http.send<Introspection>({ method: 'POST', path: '/v1/sessions/introspect', body: { token }, options })).data;
  }

  /** Tokens for a user without a password (server to server). */
  async issue(user: UserRef, options?: RequestOptions): Promise<TokenResponse> {
    return (await this.http.send<TokenResponse>({ method: 'POST', path: `${userPath(user)}/sessions`, body: {}, options })).data;
  }

  /** A user's live sessions. */
  async list(user: UserRef, options?: RequestOptions): Promise<ResponseBody<'listUserSessions'>['data']> {
    return (await this.http.send<ResponseBody<'listUserSessions'>>({ method: 'GET', path: `${userPath(user)}/sessions`, options })).data.data;
  }

  /** Ends one session. */
  async end(sessionId: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/sessions/${encodeURIComponent(sessionId)}`, options });
  }
}
