/**
 * The transformer proxy routes (rudder-contract.md A.5.3, A.5.4): `POST /v0/destinations/:destination/proxy` (one status for the
 * request) and `POST /v1/destinations/:destination/proxy` (one status per job). One handler serves both; a version
 * says which body schema, which delivery and how its per-job statuses are read.
 */
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PlatformError } from '../../framework/errors';
import { describeShapeProblem, shapeProblem } from '../../framework/shape';
import {
  ProxyV0RequestSchema,
  ProxyV1RequestSchema,
  type DeliveryV0Result,
  type DeliveryV1Result,
  type Metadata,
  type ProxyV0Request,
  type ProxyV1Request,
} from '../../framework/types';
import { isObject } from '../../framework/validate';
import {
  deliverV0,
  deliverV1,
  deliveryStatusesV1,
  failedV0,
  failedV1,
  proxyTimeoutMs,
  type DeliveryReply,
  type DeliveryV0Failure,
  type DeliveryV1Failure,
  type UnexpectedErrorSink,
} from '../delivery';
import type { DestinationHandlers } from '../destinations';
import { echoableMetadata } from '../inputs';
import type { Feature } from '../metrics';
import { handlersOr404, unexpectedSink, type RouteContext, type RoutePluginOptions } from './context';
import { ProxyParams } from './schemas';

/** The part of a delivery's output the route reads. */
interface Outcome {
  status: number;
  message: string;
}

/** What differs between proxy versions. */
interface ProxyVersion<Body, Output extends Outcome> {
  version: 'v0' | 'v1';
  /** The request body schema. */
  body: TSchema;
  feature: Feature;
  deliver(
    body: Body,
    destType: string,
    handlers: DestinationHandlers,
    onUnexpected: UnexpectedErrorSink,
    timeoutMs: number | undefined,
  ): Promise<DeliveryReply<Output>>;
  /** The status of each job of the reply, for metrics and logs. */
  statuses(output: Output): number[];
  /** The failure output answering `error` for a body that is not checked yet (its jobs cut to what can be echoed). */
  refuse(error: unknown, body: unknown, destType: string): Output;
}

/** The jobs a v1 body names, as they can be echoed: the body's shape is not checked yet. */
function jobsOf(body: unknown): Metadata[] {
  const metadata = isObject(body) ? body.metadata : undefined;
  return Array.isArray(metadata) ? metadata.filter(isObject).map(echoableMetadata) : [];
}

const PROXY_V0: ProxyVersion<ProxyV0Request, DeliveryV0Result | DeliveryV0Failure> = {
  version: 'v0',
  body: ProxyV0RequestSchema,
  feature: 'proxy_v0',
  deliver: deliverV0,
  statuses: (output) => [output.status],
  refuse: (error, body, destType) => {
    const metadata = isObject(body) && isObject(body.metadata) ? echoableMetadata(body.metadata) : undefined;
    return failedV0(error, destType, metadata).output;
  },
};

const PROXY_V1: ProxyVersion<ProxyV1Request, DeliveryV1Result | DeliveryV1Failure> = {
  version: 'v1',
  body: ProxyV1RequestSchema,
  feature: 'proxy_v1',
  deliver: deliverV1,
  statuses: deliveryStatusesV1,
  refuse: (error, body, destType) => failedV1(error, destType, jobsOf(body)).output,
};

type ProxyRequest = FastifyRequest<{ Params: { destination: string }; Body: unknown }>;

/** Count the jobs answered, and log the failed ones. */
function recordOutcome<Body, Output extends Outcome>(
  context: RouteContext,
  proxy: ProxyVersion<Body, Output>,
  request: ProxyRequest,
  output: Output,
): void {
  const { destination } = request.params;
  const statuses = proxy.statuses(output);
  context.metrics.jobsAnswered(proxy.feature, destination.toLowerCase(), statuses);
  const failed = statuses.filter((s) => s !== 200).length;
  if (!failed) return;
  const details = {
    destination,
    version: proxy.version,
    status: output.status,
    failed,
    jobs: statuses.length,
  };
  request.log.info({ ...details, reason: output.message }, 'delivery failed for some jobs');
}

/**
 * Before the schema or anything recursive reads the body: a body nested too deep or carrying a prototype key is
 * answered HTTP 400 with the version's failure output naming the path (every job 400: aborted, never retried).
 * rudder-server reads a v1 output's per-job statuses whatever the HTTP status (rudder-server.md 2.3).
 */
async function refuseBadShape<Body, Output extends Outcome>(
  context: RouteContext,
  proxy: ProxyVersion<Body, Output>,
  request: ProxyRequest,
  reply: FastifyReply,
) {
  const { destination } = request.params;
  if (!context.registry.resolve(destination)) return; // the handler answers 404
  const problem = shapeProblem(request.body, 'body');
  if (!problem) return;
  const error = new PlatformError(`Invalid request body: ${describeShapeProblem(problem)}`);
  const output = proxy.refuse(error, request.body, destination);
  recordOutcome(context, proxy, request, output);
  return reply.code(400).send({ output });
}

async function proxyRoute<Body, Output extends Outcome>(
  context: RouteContext,
  proxy: ProxyVersion<Body, Output>,
  request: ProxyRequest,
  reply: FastifyReply,
) {
  const { destination } = request.params;
  const handlers = handlersOr404(context, destination, reply);
  if (!handlers) return reply;
  const timeoutMs = proxyTimeoutMs(request.headers['rdproxy-timeout']);
  const sink = unexpectedSink(request.log);
  // The route's schema is `proxy.body`: fastify checked the body against it before this handler runs.
  const body = request.body as Body;
  const { httpStatus, output } = await proxy.deliver(body, destination, handlers, sink, timeoutMs);
  recordOutcome(context, proxy, request, output);
  return reply.code(httpStatus).send({ output });
}

function registerProxy<Body, Output extends Outcome>(
  app: FastifyInstance,
  context: RouteContext,
  proxy: ProxyVersion<Body, Output>,
): void {
  app.post<{ Params: { destination: string }; Body: unknown }>(
    `/${proxy.version}/destinations/:destination/proxy`,
    {
      schema: { params: ProxyParams, body: proxy.body },
      preValidation: (request, reply) => refuseBadShape(context, proxy, request, reply),
    },
    (request, reply) => proxyRoute(context, proxy, request, reply),
  );
}

export async function proxyRoutes(app: FastifyInstance, { context }: RoutePluginOptions): Promise<void> {
  registerProxy(app, context, PROXY_V0);
  registerProxy(app, context, PROXY_V1);
}
