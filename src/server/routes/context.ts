/** What the route plugins share: the destinations served, the metrics, and how unexpected errors are logged. */
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { UnexpectedErrorSink } from '../delivery';
import { unknownDestination, type DestinationHandlers, type DestinationRegistry } from '../destinations';
import type { RenderedMetrics, ServerMetrics } from '../metrics';

export interface RouteContext {
  registry: DestinationRegistry;
  metrics: ServerMetrics;
  /** Events of one processor request transformed at once. */
  processorConcurrency: number;
  /** What `/metrics` answers: this server's metrics, or every cluster worker's. */
  renderMetrics(): Promise<RenderedMetrics>;
}

/** The plugin options every route plugin takes. */
export interface RoutePluginOptions {
  context: RouteContext;
}

/** A bug or a broken handler answered as a per-event error: keep the stack in the logs. */
export function unexpectedSink(log: FastifyBaseLogger): UnexpectedErrorSink {
  return (error, where) => log.error({ err: error, where }, 'unexpected error answered as a job failure');
}

/**
 * The handlers serving a destination name; undefined when the name is not served, after answering 404 with the
 * contract's body (rudder-contract.md A.2.1).
 */
export function handlersOr404(
  context: RouteContext,
  name: string,
  reply: FastifyReply,
): DestinationHandlers | undefined {
  const handlers = context.registry.resolve(name);
  if (!handlers) void reply.code(404).send(unknownDestination(name));
  return handlers;
}
