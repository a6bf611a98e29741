/** What every request goes through, whatever its route: reply headers, body logs at debug, timing metrics. */
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from './metrics';

/** The levels at which request bodies are logged. */
const BODY_LEVELS = /^(debug|trace)$/;

/**
 * Graceful shutdown: once closing, in-flight replies end their keep-alive connection, or `close` would wait for the
 * client's idle keep-alive sockets (rudder-server keeps them open) long after the last request.
 */
function closeConnectionsWhenClosing(app: FastifyInstance): { closing: () => boolean } {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  return { closing: () => closing };
}

export function installHooks(
  app: FastifyInstance,
  metrics: ServerMetrics,
  options: { identifyProcess: boolean },
): void {
  const { closing } = closeConnectionsWhenClosing(app);
  const pid = String(process.pid);
  // rudder-server panics on a 200 without `apiVersion: 2` (rudder-server.md 1.2); every reply carries it.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('apiVersion', '2');
    if (options.identifyProcess) reply.header('x-worker-pid', pid);
    if (closing()) reply.header('connection', 'close');
    return payload;
  });
  // Bodies only at debug: pino redacts them (formatters.log, depth-capped). Logged before any check, so a body
  // refused by its schema or its shape is in the logs too. Above debug the hook is not installed at all.
  if (BODY_LEVELS.test(app.log.level)) {
    app.addHook('preValidation', async (request) => {
      if (request.body !== undefined) request.log.debug({ body: request.body }, 'request body');
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestDone(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onClose', async () => metrics.close());
}
