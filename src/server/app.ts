/**
 * The transformer-compatible HTTP service for the Salesforce destination (spec A.5.1): the routes rudder-server
 * calls when `DEST_TRANSFORM_URL` points here, plus health, features and Prometheus metrics.
 *
 * `buildServer` returns the fastify instance without listening, so tests drive it with `inject`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  ProxyV0RequestSchema,
  ProxyV1RequestSchema,
  RouterRequestSchema,
  type ProxyV0Request,
  type ProxyV1Request,
} from '../framework/types';
import { ajv, describeAjvErrors } from '../framework/validate';
import { deliverV0, deliverV1, deliveryStatusesV1, proxyTimeoutMs } from './delivery';
import {
  DestinationRegistry,
  salesforceHandlers,
  unknownDestination,
  type DestinationHandlers,
} from './destinations';
import { bodyInputs, featuresOf, HostError, parseOAuthSecret, spreadSecret } from './inputs';
import { loggerOptions, type LogOptions } from './logging';
import { ServerMetrics } from './metrics';
import { DEFAULT_PROCESSOR_CONCURRENCY, runProcessor } from './processor';
import { jobStatuses, runRouter } from './router';

export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface ServerOptions {
  /** Largest accepted request body; default `BODY_LIMIT_BYTES` or 10 MB. Larger bodies get HTTP 400. */
  bodyLimitBytes?: number;
  /** Logging (level and destination stream), or `false` for none. */
  log?: LogOptions | false;
  /** Replace parts of the destination (tests, benchmarks). */
  handlers?: Partial<DestinationHandlers>;
  /** Events of one processor request transformed at once; default 32. */
  processorConcurrency?: number;
  /** Reported by `/health`; default `transformer_build_version` or the npm package version. */
  version?: string;
  /** Collect prom-client's process metrics (CPU, memory, event loop); default true. */
  defaultMetrics?: boolean;
}

/** `BODY_LIMIT_BYTES` as a positive integer, or the default. Throws on a value that is not one. */
export function bodyLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BODY_LIMIT_BYTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_BODY_LIMIT_BYTES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`BODY_LIMIT_BYTES must be a positive integer (bytes); got ${JSON.stringify(raw)}`);
  }
  return value;
}

const Params = Type.Object({ version: Type.String(), destination: Type.String() });
const ProxyParams = Type.Object({ destination: Type.String() });

const JsonRecord = Type.Record(Type.String(), Type.Unknown());

/** The processor envelope: an array of events, or the compacted form. Events are checked one by one later. */
const ProcessorBody = Type.Union([
  Type.Array(Type.Unknown()),
  Type.Object({
    input: Type.Array(Type.Unknown()),
    destinations: Type.Optional(JsonRecord),
    connections: Type.Optional(JsonRecord),
  }),
]);

/**
 * The router envelope. `input` is deliberately loose: an empty or non-array input is answered with the contract's
 * "Invalid event array" element (HTTP 200), and each input is checked on its own.
 */
const RouterBody = Type.Object({
  input: Type.Optional(Type.Unknown()),
  destType: RouterRequestSchema.properties.destType,
  destinations: Type.Optional(JsonRecord),
  connections: Type.Optional(JsonRecord),
});

type ProcessorBodyT =
  | unknown[]
  | { input: unknown[]; destinations?: Record<string, unknown>; connections?: Record<string, unknown> };
interface RouterBodyT {
  input?: unknown;
  destType: string;
  destinations?: Record<string, unknown>;
  connections?: Record<string, unknown>;
}

/** The JSON of `GET /features` (spec A.5.1), for the destinations this service serves. */
export function featuresBody(registry: DestinationRegistry): Record<string, unknown> {
  return {
    routerTransform: Object.fromEntries(registry.definitionNames().map((n) => [n, true])),
    regulations: [],
    supportTransformerProxyV1: true,
    supportDestTransformCompactedPayloadV1: true,
  };
}

/** Turn fastify's own errors (parsing, size, schema) into a 4xx with a message naming the problem. */
function clientError(
  error: FastifyError,
  bodyLimit: number,
): { status: number; message: string } | undefined {
  if (error.validation) {
    const context = error.validationContext ?? 'body';
    const details = describeAjvErrors(error.validation as Parameters<typeof describeAjvErrors>[0], context);
    return { status: 400, message: `Invalid request ${context}: ${details}` };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 400,
        message: `Request body too large: the limit is ${bodyLimit} bytes (BODY_LIMIT_BYTES); send smaller batches`,
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'Malformed JSON body: the body is empty' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: `Unsupported content type: send application/json` };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, message: 'Request body length does not match its Content-Length header' };
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { status: 400, message: `Malformed JSON body: ${error.message}` };
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, message: error.message };
  }
  return undefined;
}

export function buildServer(options: ServerOptions = {}): FastifyInstance {
  const bodyLimit = options.bodyLimitBytes ?? bodyLimitFromEnv();
  const handlers = salesforceHandlers(options.handlers);
  const registry = new DestinationRegistry(handlers);
  const concurrency = options.processorConcurrency ?? DEFAULT_PROCESSOR_CONCURRENCY;
  const version = options.version ?? process.env.transformer_build_version ?? process.env.npm_package_version;
  const gitCommitSha = process.env.git_commit_sha;
  const metrics = new ServerMetrics(handlers.runtime.telemetry, { defaultMetrics: options.defaultMetrics });

  const app = Fastify({
    bodyLimit,
    logger: options.log === false ? false : loggerOptions(options.log ?? {}),
  });

  // The contract schemas are validated by the project's ajv: no type coercion, so echoed metadata stays unchanged.
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema as TSchema));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HostError) {
      return reply.code(error.statusCode).send({ error: error.message });
    }
    const client = clientError(error, bodyLimit);
    if (client) {
      request.log.info({ status: client.status, reason: client.message }, 'request rejected');
      return reply.code(client.status).send({ error: client.message });
    }
    request.log.error({ err: error }, 'unexpected error while handling the request');
    return reply.code(500).send({ error: 'Internal server error' });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `Route not found: ${request.method} ${request.url.split('?')[0]}` });
  });

  // Graceful shutdown: once closing, in-flight replies end their keep-alive connection, or `close` would wait for
  // the client's idle keep-alive sockets (rudder-server keeps them open) long after the last request.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // rudder-server panics on a 200 without `apiVersion: 2` (rudder-server.md 1.2); every reply carries it.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('apiVersion', '2');
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('preHandler', async (request) => {
    // Bodies only at debug: pino redacts them (formatters.log) and formats nothing at info.
    if (request.body !== undefined) request.log.debug({ body: request.body }, 'request body');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDone(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onClose', async () => metrics.close());

  /** A bug or a broken handler answered as a per-event error: keep the stack in the logs. */
  const unexpected = (log: FastifyBaseLogger) => (error: unknown, where: string) =>
    log.error({ err: error, where }, 'unexpected error answered as a job failure');

  app.post<{ Params: { version: string; destination: string }; Body: ProcessorBodyT }>(
    '/:version/destinations/:destination',
    { schema: { params: Params, body: ProcessorBody } },
    async (request, reply) => {
      const { version: apiVersion, destination } = request.params;
      if (!/^v\d+$/.test(apiVersion)) return reply.callNotFound();
      const destHandlers = registry.resolve(destination);
      if (!destHandlers) return reply.code(404).send(unknownDestination(destination));
      const body = request.body;
      const events = Array.isArray(body) ? body : bodyInputs(body, request.headers['x-content-format']);
      const output = await runProcessor(
        events,
        destination,
        destHandlers,
        concurrency,
        unexpected(request.log),
      );
      metrics.jobsAnswered(
        'processor',
        destination.toLowerCase(),
        output.map((o) => o.statusCode),
      );
      return reply.code(200).send(output);
    },
  );

  app.post<{ Body: RouterBodyT }>(
    '/routerTransform',
    { schema: { body: RouterBody } },
    async (request, reply) => {
      const { destType } = request.body;
      const destHandlers = registry.resolve(destType);
      if (!destHandlers) return reply.code(404).send(unknownDestination(destType));
      let inputs = request.body.input;
      if (Array.isArray(inputs)) {
        const { destinations, connections } = request.body;
        inputs = spreadSecret(
          bodyInputs({ input: inputs, destinations, connections }, request.headers['x-content-format']),
          parseOAuthSecret(request.headers['oauth-secret']),
        );
      }
      const output = await runRouter(
        inputs,
        destType,
        destHandlers,
        {
          namespace: 'Unknown',
          cluster: 'Unknown',
          features: featuresOf(request.headers),
        },
        unexpected(request.log),
      );
      metrics.jobsAnswered('router', destType.toLowerCase(), jobStatuses(output));
      return reply.code(200).send({ output });
    },
  );

  app.post<{ Params: { destination: string }; Body: ProxyV0Request }>(
    '/v0/destinations/:destination/proxy',
    { schema: { params: ProxyParams, body: ProxyV0RequestSchema } },
    async (request, reply) => {
      const { destination } = request.params;
      const destHandlers = registry.resolve(destination);
      if (!destHandlers) return reply.code(404).send(unknownDestination(destination));
      const { httpStatus, output } = await deliverV0(
        request.body,
        destination,
        destHandlers,
        unexpected(request.log),
        proxyTimeoutMs(request.headers['rdproxy-timeout']),
      );
      metrics.jobsAnswered('proxy_v0', destination.toLowerCase(), [output.status]);
      if (output.status !== 200) {
        request.log.info({ destination, status: output.status, reason: output.message }, 'delivery failed');
      }
      return reply.code(httpStatus).send({ output });
    },
  );

  app.post<{ Params: { destination: string }; Body: ProxyV1Request }>(
    '/v1/destinations/:destination/proxy',
    { schema: { params: ProxyParams, body: ProxyV1RequestSchema } },
    async (request, reply) => {
      const { destination } = request.params;
      const destHandlers = registry.resolve(destination);
      if (!destHandlers) return reply.code(404).send(unknownDestination(destination));
      const { httpStatus, output } = await deliverV1(
        request.body,
        destination,
        destHandlers,
        unexpected(request.log),
        proxyTimeoutMs(request.headers['rdproxy-timeout']),
      );
      const statuses = deliveryStatusesV1(output);
      metrics.jobsAnswered('proxy_v1', destination.toLowerCase(), statuses);
      const failed = statuses.filter((s) => s !== 200).length;
      if (failed) {
        request.log.info(
          { destination, failed, jobs: statuses.length, reason: output.message },
          'delivery failed for some jobs',
        );
      }
      return reply.code(httpStatus).send({ output });
    },
  );

  app.get('/health', async () => ({
    service: 'UP',
    ...(version ? { version } : {}),
    ...(gitCommitSha ? { gitCommitSha } : {}),
  }));

  app.get('/features', async (_request, reply) =>
    reply.type('application/json').send(JSON.stringify(featuresBody(registry))),
  );

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });

  return app;
}
