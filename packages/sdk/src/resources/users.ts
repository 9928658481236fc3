import { type RequestOptions, seg, type Transport } from '../http.ts';
import { PagedList } from '../pagination.ts';
import type {
  FindOrCreateResult,
  LookupQuery,
  ResponseBody,
  User,
  UserInput,
  UserListQuery,
  UserPatch,
  UserWrite,
} from '../types.ts';

/** Where a user is addressed: its id, or `{ externalId }`. */
export type UserRef = string | { externalId: string };

const userPath = (ref: UserRef) => (typeof ref === 'string' ? `/v1/users/${seg(ref)}` : `/v1/users/by-external-id/${seg(ref.externalId)}`);

/** `roster.users`: create, find, update and retire users. */
export class Users {
  constructor(private readonly http: Transport) {}

  /** Creates a user. @throws RosterError USER_EMAIL_TAKEN, USER_PHONE_TAKEN, VALIDATION_FAILED, ... */
  async create(input: UserWrite, options?: RequestOptions): Promise<User> {
    return (await this.http.send<User>({ method: 'POST', path: '/v1/users', body: input, options })).data;
  }

  /** The user holding this email or phone, created when there is none (race-safe). `created` says which. */
  async findOrCreate(input: UserInput, options?: RequestOptions): Promise<FindOrCreateResult> {
    return (await this.http.send<FindOrCreateResult>({ method: 'POST', path: '/v1/users/find-or-create', body: input, options })).data;
  }

  /** Creates or updates the user with this external id. */
  async upsertByExternalId(externalId: string, input: UserWrite, options?: RequestOptions): Promise<FindOrCreateResult> {
    const path = `/v1/users/by-external-id/${seg(externalId)}`;
    return (await this.http.send<FindOrCreateResult>({ method: 'PUT', path, body: input, options })).data;
  }

  /** One user, by id or `{ externalId }`. @throws RosterError USER_NOT_FOUND */
  async get(ref: UserRef, options?: RequestOptions): Promise<User> {
    return (await this.http.send<User>({ method: 'GET', path: userPath(ref), options })).data;
  }

  /** The user holding an email and/or a phone. @throws RosterError USER_NOT_FOUND */
  async lookup(query: LookupQuery, options?: RequestOptions): Promise<ResponseBody<'lookupUser'>> {
    return (await this.http.send<ResponseBody<'lookupUser'>>({ method: 'GET', path: '/v1/users/lookup', query, options })).data;
  }

  /** Every user matching the filters, page by page: `for await (const user of roster.users.list({ status: 'active' }))`. */
  list(query: UserListQuery = {}, options?: RequestOptions): PagedList<User> {
    return new PagedList(async (cursor) => {
      const answer = await this.http.send<ResponseBody<'listUsers'>>({ method: 'GET', path: '/v1/users', query: { ...query, cursor }, options });
      return answer.data;
    });
  }

  /**
   * Applies a JSON merge patch. With `ifMatch` (the user's `version`, or its ETag), only when the user is unchanged.
   * @throws RosterError PRECONDITION_FAILED when it changed, USER_NOT_FOUND, VALIDATION_FAILED, ...
   */
  async update(id: string, patch: UserPatch, options: RequestOptions & { ifMatch?: number | string } = {}): Promise<User> {
    const { ifMatch, ...rest } = options;
    const headers = { ...rest.headers, ...(ifMatch === undefined ? {} : { 'if-match': typeof ifMatch === 'number' ? `"${ifMatch}"` : ifMatch }) };
    const path = `/v1/users/${seg(id)}`;
    return (await this.http.send<User>({ method: 'PATCH', path, body: patch, contentType: 'application/merge-patch+json', options: { ...rest, headers } })).data;
  }

  /** Deactivates a user (idempotent): they cannot sign in; their sessions end. */
  async deactivate(id: string, options?: RequestOptions): Promise<User> {
    return (await this.http.send<User>({ method: 'POST', path: `/v1/users/${seg(id)}/deactivate`, options })).data;
  }

  /** Reactivates a deactivated user (idempotent). */
  async reactivate(id: string, options?: RequestOptions): Promise<User> {
    return (await this.http.send<User>({ method: 'POST', path: `/v1/users/${seg(id)}/reactivate`, options })).data;
  }

  /** Ends every session of a user; the number ended. */
  async logout(ref: UserRef, options?: RequestOptions): Promise<{ revoked: number }> {
    return (await this.http.send<{ revoked: number }>({ method: 'POST', path: `${userPath(ref)}/logout`, options })).data;
  }

  /** Erases a user's personal data (an anonymous tombstone stays). */
  async erase(id: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/users/${seg(id)}`, options });
  }

  /** Everything held about a user (right of access). */
  async export(id: string, options?: RequestOptions): Promise<ResponseBody<'exportUser'>> {
    return (await this.http.send<ResponseBody<'exportUser'>>({ method: 'GET', path: `/v1/users/${seg(id)}/export`, options })).data;
  }
}
