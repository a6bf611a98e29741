/**
 * The transformer proxy routes (spec A.5.3, A.5.4): `POST /v0/destinations/:destination/proxy` (one status for the
 * request) and `POST /v1/destinations/:destination/proxy` (one status per job). One handler serves both; a version
 * says which body schema, which delivery and how its per-job statuses are read.
 */
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ProxyV0RequestSchema,
  ProxyV1RequestSchema,
  type DeliveryV0Result,
  type DeliveryV1Result,
  type ProxyV0Request,
  type ProxyV1Request,
} from '../../framework/types';
import {
  deliverV0,
  deliverV1,
  deliveryStatusesV1,
  proxyTimeoutMs,
  type DeliveryReply,
  type DeliveryV0Failure,
  type DeliveryV1Failure,
  type UnexpectedErrorSink,
} from '../delivery';
import type { DestinationHandlers } from '../destinations';
import type { Feature } from '../metrics';
import { handlersOr404, unexpectedSink, type RouteContext, type RoutePluginOptions } from './context';
import { ProxyParams } from './schemas';

/** What differs between proxy versions. */
export interface ProxyVersion<Body, Output extends { status: number; message: string }> {
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
}

export const PROXY_V0: ProxyVersion<ProxyV0Request, DeliveryV0Result | DeliveryV0Failure> = {
  version: 'v0',
  body: ProxyV0RequestSchema,
  feature: 'proxy_v0',
  deliver: deliverV0,
  statuses: (output) => [output.status],
};

export const PROXY_V1: ProxyVersion<ProxyV1Request, DeliveryV1Result | DeliveryV1Failure> = {
  version: 'v1',
  body: ProxyV1RequestSchema,
  feature: 'proxy_v1',
  deliver: deliverV1,
  statuses: deliveryStatusesV1,
};

type ProxyRequest = FastifyRequest<{ Params: { destination: string }; Body: unknown }>;

async function proxyRoute<Body, Output extends { status: number; message: string }>(
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
  const statuses = proxy.statuses(output);
  context.metrics.jobsAnswered(proxy.feature, destination.toLowerCase(), statuses);
  const failed = statuses.filter((s) => s !== 200).length;
  if (failed) {
    const details = {
      destination,
      version: proxy.version,
      status: output.status,
      failed,
      jobs: statuses.length,
    };
    request.log.info({ ...details, reason: output.message }, 'delivery failed for some jobs');
  }
  return reply.code(httpStatus).send({ output });
}

function registerProxy<Body, Output extends { status: number; message: string }>(
  app: FastifyInstance,
  context: RouteContext,
  proxy: ProxyVersion<Body, Output>,
): void {
  app.post<{ Params: { destination: string }; Body: unknown }>(
    `/${proxy.version}/destinations/:destination/proxy`,
    { schema: { params: ProxyParams, body: proxy.body } },
    (request, reply) => proxyRoute(context, proxy, request, reply),
  );
}

export async function proxyRoutes(app: FastifyInstance, { context }: RoutePluginOptions): Promise<void> {
  registerProxy(app, context, PROXY_V0);
  registerProxy(app, context, PROXY_V1);
}
