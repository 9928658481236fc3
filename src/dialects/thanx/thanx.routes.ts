import type { FastifyInstance } from 'fastify';
import type { Registry } from '../../registry.ts';

// Placeholder while the dialect is being built (issue 5): mounts nothing.
export async function thanxDialect(_app: FastifyInstance, _options: { registry: Registry }): Promise<void> {}
