import { Type } from 'typebox';
import { METADATA_KEYS } from './naviga.mapping.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);

const MessageSchema = (type: 'Success' | 'Error') => Type.Object({ code: Type.String(), text: Type.String(), type: Type.Literal(type) });

export const NavigaUserSchema = Type.Object({
  customerRegistrationId: NullableString,
  encryptedCustomerRegistrationId: NullableString,
  email: NullableString,
  firstName: NullableString,
  lastName: NullableString,
  state: Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]),
  metadata: Type.Object(Object.fromEntries(METADATA_KEYS.map((key) => [key, NullableString]))),
  verified: Type.Boolean(),
});

/** `GET /v4/Users` answers; the query is read by the mapping, since its parameter names are case-insensitive. */
export const NavigaUsersResponseSchema = Type.Object({
  message: MessageSchema('Success'),
  data: Type.Array(NavigaUserSchema),
  meta: Type.Object({ totalRecords: Type.Integer() }),
});

export const NavigaErrorSchema = Type.Object({
  message: MessageSchema('Error'),
  data: Type.Array(Type.Never()),
  meta: Type.Object({ totalRecords: Type.Integer() }),
});
