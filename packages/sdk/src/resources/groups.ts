/** `roster.groups`: the tenant's groups (also served to IdPs as SCIM /Groups) and their members. */
import { type RequestOptions, seg, type Transport } from '../http.ts';
import { PagedList } from '../pagination.ts';
import type { QueryOf, RequestBody, ResponseBody } from '../types.ts';

export type Group = ResponseBody<'getGroup'>;
export type GroupMember = ResponseBody<'listGroupMembers'>['data'][number];

export class Groups {
  constructor(private readonly http: Transport) {}
  /** Creates a group (with its first members). @throws RosterError GROUP_DISPLAY_NAME_TAKEN, VALIDATION_FAILED */
  async create(input: RequestBody<'createGroup'>, options?: RequestOptions): Promise<ResponseBody<'createGroup', 201>> {
    return (await this.http.send<ResponseBody<'createGroup', 201>>({ method: 'POST', path: '/v1/groups', body: input, options })).data;
  }
  /** A group by id. @throws RosterError GROUP_NOT_FOUND */
  async get(id: string, options?: RequestOptions): Promise<Group> {
    return (await this.http.send<Group>({ method: 'GET', path: `/v1/groups/${seg(id)}`, options })).data;
  }
  /** Every group matching the filters, page by page. */
  list(query: Omit<QueryOf<'listGroups'>, 'cursor'> = {}, options?: RequestOptions): PagedList<Group> {
    return new PagedList(
      async (cursor) =>
        (await this.http.send<ResponseBody<'listGroups'>>({ method: 'GET', path: '/v1/groups', query: { ...query, cursor }, options })).data,
    );
  }
  /** Renames a group or changes its members (replace, add, remove). @throws RosterError GROUP_NOT_FOUND */
  async update(id: string, patch: RequestBody<'updateGroup'>, options?: RequestOptions): Promise<ResponseBody<'updateGroup'>> {
    return (await this.http.send<ResponseBody<'updateGroup'>>({ method: 'PATCH', path: `/v1/groups/${seg(id)}`, body: patch, options })).data;
  }
  /** Deletes a group (its users stay). @throws RosterError GROUP_NOT_FOUND */
  async delete(id: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/groups/${seg(id)}`, options });
  }
  /** A group's members, page by page. */
  members(id: string, query: { limit?: number } = {}, options?: RequestOptions): PagedList<GroupMember> {
    const path = `/v1/groups/${seg(id)}/members`;
    return new PagedList(
      async (cursor) => (await this.http.send<ResponseBody<'listGroupMembers'>>({ method: 'GET', path, query: { ...query, cursor }, options })).data,
    );
  }
  /** Adds a user to a group (idempotent). */
  async addMember(id: string, userId: string, options?: RequestOptions): Promise<ResponseBody<'addGroupMember'>> {
    const path = `/v1/groups/${seg(id)}/members/${seg(userId)}`;
    return (await this.http.send<ResponseBody<'addGroupMember'>>({ method: 'PUT', path, options })).data;
  }
  /** Removes a user from a group (idempotent). */
  async removeMember(id: string, userId: string, options?: RequestOptions): Promise<void> {
    await this.http.send({ method: 'DELETE', path: `/v1/groups/${seg(id)}/members/${seg(userId)}`, options });
  }
  /** The groups a user is in. @throws RosterError USER_NOT_FOUND */
  async ofUser(userId: string, options?: RequestOptions): Promise<ResponseBody<'listUserGroups'>> {
    return (await this.http.send<ResponseBody<'listUserGroups'>>({ method: 'GET', path: `/v1/users/${seg(userId)}/groups`, options })).data;
  }
}
