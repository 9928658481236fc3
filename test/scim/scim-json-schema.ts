/** JSON Schemas derived from the SCIM Schema resources a server publishes (RFC 7643 §7), for ajv. */

interface ScimAttr {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  returned: string;
  subAttributes?: ScimAttr[];
}

interface ScimSchemaResource {
  id: string;
  attributes: ScimAttr[];
}

const TYPES: Record<string, object> = {
  string: { type: 'string' },
  boolean: { type: 'boolean' },
  decimal: { type: 'number' },
  integer: { type: 'integer' },
  dateTime: { type: 'string', format: 'date-time' },
  reference: { type: 'string' },
  binary: { type: 'string' },
};

function attrSchema(a: ScimAttr): object {
  const one =
    a.type === 'complex'
      ? {
          type: 'object',
          properties: Object.fromEntries((a.subAttributes ?? []).map((s) => [s.name, attrSchema(s)])),
          // Sub-attributes not published must not appear.
          additionalProperties: (a.subAttributes ?? []).length === 0,
        }
      : TYPES[a.type];
  if (!one) throw new Error(`unknown SCIM type ${a.type}`);
  return a.multiValued ? { type: 'array', items: one } : one;
}

function objectOf(attributes: ScimAttr[], extra: Record<string, object>): object {
  return {
    type: 'object',
    properties: {
      ...Object.fromEntries(attributes.filter((a) => a.returned !== 'never').map((a) => [a.name, attrSchema(a)])),
      ...extra,
    },
    required: attributes.filter((a) => a.required).map((a) => a.name),
    additionalProperties: false,
  };
}

const META = {
  type: 'object',
  properties: {
    resourceType: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    lastModified: { type: 'string', format: 'date-time' },
    location: { type: 'string', format: 'uri' },
    version: { type: 'string' },
  },
  required: ['resourceType', 'location'],
  additionalProperties: false,
};

/** The JSON Schema of a resource with this core schema and these extensions, from the published Schema resources. */
export function resourceJsonSchema(published: ScimSchemaResource[], core: string, extensions: string[]): object {
  const find = (id: string) => {
    const s = published.find((p) => p.id === id);
    if (!s) throw new Error(`schema ${id} is not published`);
    return s;
  };
  const extra: Record<string, object> = {
    schemas: { type: 'array', items: { enum: [core, ...extensions] }, minItems: 1 },
    id: { type: 'string', minLength: 1 },
    externalId: { type: 'string' },
    meta: META,
  };
  for (const ext of extensions) extra[ext] = { ...(objectOf(find(ext).attributes, {}) as object), required: [] };
  const schema = objectOf(find(core).attributes, extra) as { required: string[] };
  schema.required = [...schema.required, 'schemas', 'id', 'meta'];
  return schema;
}
