/**
 * One listening service and its graceful stop, as `npm start` runs it alone or as each cluster worker runs it: on
 * SIGTERM / SIGINT stop accepting connections, let in-flight requests finish (fastify `close`), then exit; after
 * `SHUTDOWN_GRACE_MS` exit anyway.
 */
import type { FastifyInstance } from 'fastify';
import { envPositiveNumber } from '../framework/env';
import { buildServer } from './app';
import type { ServerOptions } from './options';

/** How long in-flight requests may take to finish after a stop signal before the process exits anyway. */
export function shutdownGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  return envPositiveNumber('SHUTDOWN_GRACE_MS', 30_000, env);
}

export function listenAddress(env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const port = Number(env.PORT ?? 9090);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535; got ${JSON.stringify(env.PORT)}`);
  }
  return { host: env.HOST || '127.0.0.1', port };
}

export interface ServeOptions {
  host: string;
  port: number;
  graceMs: number;
  server?: ServerOptions;
  /** Told when a stop begins (a cluster worker tells its primary not to replace it). */
  onStopping?: () => void;
}

export interface Serving {
  app: FastifyInstance;
  /** Stop gracefully, as a stop signal does; `reason` is logged. */
  stop(reason: string): void;
}

/** The graceful stop of a listening app: once only, bounded by `graceMs`, then the process exits. */
function stopper(app: FastifyInstance, options: ServeOptions): (reason: string) => void {
  let stopping = false;
  return (reason) => {
    if (stopping) return;
    stopping = true;
    options.onStopping?.();
    app.log.info({ signal: reason }, 'stopping: no new connections, waiting for in-flight requests');
    const timer = setTimeout(() => {
      app.log.error({ graceMs: options.graceMs }, 'in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, options.graceMs);
    timer.unref();
    app.close().then(
      () => {
        app.log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
}

/** Build the server, listen, and stop gracefully on SIGTERM / SIGINT. */
export async function serve(options: ServeOptions): Promise<Serving> {
  const app = buildServer(options.server);
  await app.listen({ host: options.host, port: options.port });
  const stop = stopper(app, options);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return { app, stop };
}
