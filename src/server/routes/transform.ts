/**
 * The transform routes (rudder-contract.md A.1, A.2): `POST /:version/destinations/:destination` (processor) and
 * `POST /routerTransform` (router). Each event is checked and answered on its own; the reply is always HTTP 200.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bodyInputs, featuresOf, parseOAuthSecret, spreadSecret } from '../inputs';
import { runProcessor } from '../processor';
import { jobStatuses, runRouter } from '../router';
import { handlersOr404, unexpectedSink, type RouteContext, type RoutePluginOptions } from './context';
import { ProcessorBody, ProcessorParams, RouterBody, type ProcessorBodyT, type RouterBodyT } from './schemas';

type ProcessorRequest = FastifyRequest<{
  Params: { version: string; destination: string };
  Body: ProcessorBodyT;
}>;

async function processorRoute(context: RouteContext, request: ProcessorRequest, reply: FastifyReply) {
  const { version, destination } = request.params;
  if (!/^v\d+$/.test(version)) return reply.callNotFound();
  const handlers = handlersOr404(context, destination, reply);
  if (!handlers) return reply;
  const { body } = request;
  const events = Array.isArray(body) ? body : bodyInputs(body, request.headers['x-content-format']);
  const output = await runProcessor(
    events,
    destination,
    handlers,
    context.processorConcurrency,
    unexpectedSink(request.log),
  );
  const statuses = output.map((o) => o.statusCode);
  context.metrics.jobsAnswered('processor', destination.toLowerCase(), statuses);
  return reply.code(200).send(output);
}

/** The router inputs: re-expanded when compacted, with the `oauth-secret` header spread into every metadata. */
function routerInputs(request: FastifyRequest<{ Body: RouterBodyT }>): unknown {
  const { input, destinations, connections } = request.body;
  if (!Array.isArray(input)) return input;
  const inputs = bodyInputs({ input, destinations, connections }, request.headers['x-content-format']);
  return spreadSecret(inputs, parseOAuthSecret(request.headers['oauth-secret']));
}

async function routerRoute(
  context: RouteContext,
  request: FastifyRequest<{ Body: RouterBodyT }>,
  reply: FastifyReply,
) {
  const { destType } = request.body;
  const handlers = handlersOr404(context, destType, reply);
  if (!handlers) return reply;
  const requestMetadata = { namespace: 'Unknown', cluster: 'Unknown', features: featuresOf(request.headers) };
  const output = await runRouter(
    routerInputs(request),
    destType,
    handlers,
    requestMetadata,
    unexpectedSink(request.log),
  );
  context.metrics.jobsAnswered('router', destType.toLowerCase(), jobStatuses(output));
  return reply.code(200).send({ output });
}

export async function transformRoutes(app: FastifyInstance, { context }: RoutePluginOptions): Promise<void> {
  app.post<{ Params: { version: string; destination: string }; Body: ProcessorBodyT }>(
    '/:version/destinations/:destination',
    { schema: { params: ProcessorParams, body: ProcessorBody } },
    (request, reply) => processorRoute(context, request, reply),
  );
  app.post<{ Body: RouterBodyT }>('/routerTransform', { schema: { body: RouterBody } }, (request, reply) =>
    routerRoute(context, request, reply),
  );
}
