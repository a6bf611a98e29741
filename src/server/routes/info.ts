/** The service's own routes: `GET /health`, `GET /features` (rudder-contract.md A.5.1) and `GET /metrics` (Prometheus text). */
import type { FastifyInstance } from 'fastify';
import type { DestinationRegistry } from '../destinations';
import type { RoutePluginOptions } from './context';

/** The JSON of `GET /features` (rudder-contract.md A.5.1), for the destinations this service serves. */
export function featuresBody(registry: DestinationRegistry): Record<string, unknown> {
  return {
    routerTransform: Object.fromEntries(registry.definitionNames().map((n) => [n, true])),
    regulations: registry.definitionNames(),
    supportTransformerProxyV1: true,
    supportDestTransformCompactedPayloadV1: true,
  };
}

export interface InfoOptions extends RoutePluginOptions {
  /** Reported by `/health`. */
  version?: string;
  gitCommitSha?: string;
}

export async function infoRoutes(app: FastifyInstance, options: InfoOptions): Promise<void> {
  const { context, version, gitCommitSha } = options;
  const health = {
    service: 'UP',
    ...(version ? { version } : {}),
    ...(gitCommitSha ? { gitCommitSha } : {}),
  };
  app.get('/health', async () => health);

  // Served as a string body, as the reference does.
  const features = JSON.stringify(featuresBody(context.registry));
  app.get('/features', async (_request, reply) => reply.type('application/json').send(features));

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await context.renderMetrics();
    return reply.type(contentType).send(body);
  });
}
