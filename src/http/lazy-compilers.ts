import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Serialize = (data: unknown) => string;
type SerializerFactory = (
  externalSchemas: unknown,
  options: unknown,
) => (route: { schema: unknown; method: string; url: string; httpStatus: string }) => Serialize;

/**
 * Fastify's response serializer factory (fast-json-stringify, the shared schemas included), compiling each route's
 * serializer on its first response instead of at start-up: compiling every route's was the largest part of the
 * CPU a start spends (issue 16), and most processes serve only some routes. The serializer is the same.
 */
export function lazySerializerFactory(): SerializerFactory {
  const build = SerializerSelector() as unknown as SerializerFactory;
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let serialize: Serialize | null = null;
      return (data) => {
        serialize ??= compile(route);
        return serialize(data);
      };
    };
  };
}
