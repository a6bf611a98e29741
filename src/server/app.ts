/**
 * The transformer-compatible HTTP service for the Salesforce destination (rudder-contract.md A.5.1): the routes rudder-server
 * calls when `DEST_TRANSFORM_URL` points here, plus health, features and Prometheus metrics.
 *
 * `buildServer` returns the fastify instance without listening, so tests drive it with `inject`. It assembles:
 * - replies.ts: fastify's own errors as 4xx naming the problem, unknown routes;
 * - hooks.ts: what every request goes through (headers, body logs, timing);
 * - routes/transform.ts, routes/proxy.ts, routes/regulation.ts, routes/info.ts: the routes, as fastify plugins.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { ajv } from '../framework/validate';
import { DestinationRegistry, salesforceHandlers } from './destinations';
import { installHooks } from './hooks';
import { loggerOptions, RequestLogController } from './logging';
import { ServerMetrics } from './metrics';
import { bodyLimitFromEnv, type ServerOptions } from './options';
import { DEFAULT_PROCESSOR_CONCURRENCY } from './processor';
import { installReplies } from './replies';
import type { RouteContext } from './routes/context';
import { infoRoutes } from './routes/info';
import { proxyRoutes } from './routes/proxy';
import { regulationRoutes } from './routes/regulation';
import { transformRoutes } from './routes/transform';

export { bodyLimitFromEnv, DEFAULT_BODY_LIMIT_BYTES, type ServerOptions } from './options';
export { featuresBody } from './routes/info';

export function buildServer(options: ServerOptions = {}): FastifyInstance {
  const bodyLimit = options.bodyLimitBytes ?? bodyLimitFromEnv();
  const handlers = salesforceHandlers(options.handlers);
  const metrics = new ServerMetrics(handlers.runtime.telemetry, { defaultMetrics: options.defaultMetrics });
  const context: RouteContext = {
    registry: new DestinationRegistry(handlers),
    metrics,
    processorConcurrency: options.processorConcurrency ?? DEFAULT_PROCESSOR_CONCURRENCY,
    renderMetrics: options.metricsSource ? options.metricsSource(metrics.registry) : () => metrics.render(),
  };

  const requestLogs = new RequestLogController();
  const app = Fastify({
    bodyLimit,
    logger: options.log === false ? false : loggerOptions(options.log ?? {}),
    logController: requestLogs,
    // Valid JSON is parsed as JSON.parse does: `__proto__` / `constructor.prototype` keys become plain own keys
    // (safe while nothing assigns them). The event carrying one is refused on its own by the shape check
    // (inputs.ts, routes/proxy.ts), instead of fastify failing the whole request as "Malformed JSON".
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
  requestLogs.attach(app.log);
  // The contract schemas are validated by the project's ajv: no type coercion, so echoed metadata stays unchanged.
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema as TSchema));
  installReplies(app, bodyLimit);
  installHooks(app, metrics, { identifyProcess: options.identifyProcess ?? false });

  void app.register(transformRoutes, { context });
  void app.register(proxyRoutes, { context });
  void app.register(regulationRoutes, { context });
  void app.register(infoRoutes, {
    context,
    version: options.version ?? process.env.transformer_build_version ?? process.env.npm_package_version,
    gitCommitSha: process.env.git_commit_sha,
  });
  return app;
}
