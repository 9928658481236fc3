/** Types of the API, from the generated OpenAPI types (src/generated/openapi.ts, from openapi/roster.json). */
import type { components, operations } from './generated/openapi.ts';

export type { components, operations, paths } from './generated/openapi.ts';

type OperationId = keyof operations;
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body an operation takes. */
export type RequestBody<K extends OperationId> = operations[K] extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;
/** The JSON answer of an operation for a status. */
export type ResponseBody<K extends OperationId, S extends number = 200> = operations[K]['responses'] extends infer R
  ? S extends keyof R
    ? Json<R[S]>
    : never
  : never;
/** The query parameters of an operation. */
export type QueryOf<K extends OperationId> = operations[K]['parameters'] extends { query?: infer Q } ? NonNullable<Q> : never;

export type User = components['schemas']['User'];
export type Company = components['schemas']['Company'];
export type Plan = components['schemas']['Plan'];
export type UserInput = RequestBody<'findOrCreateUser'>;
export type UserWrite = RequestBody<'createUser'>;
export type UserPatch = RequestBody<'updateUser'>;
export type UserListQuery = Omit<QueryOf<'listUsers'>, 'cursor'>;
export type LookupQuery = QueryOf<'lookupUser'>;
export type FindOrCreateResult = ResponseBody<'findOrCreateUser', 200>;
export type TokenResponse = ResponseBody<'signIn', 201>;
export type SignInInput = RequestBody<'signIn'>;
export type Introspection = ResponseBody<'introspectToken'>;
export type RosterEvent = ResponseBody<'listEvents'>['data'][number];
export type Role = ResponseBody<'listRoles'>['data'][number];
export type Tenant = ResponseBody<'getTenant'>;
