/**
 * `npm start`: listen on HOST:PORT (default 127.0.0.1:9090) and stop gracefully on SIGTERM / SIGINT: stop
 * accepting connections, let in-flight requests finish (fastify `close`), then exit.
 */
import { envPositiveNumber } from '../framework/env';
import { buildServer } from './app';

/** How long in-flight requests may take to finish after a stop signal before the process exits anyway. */
const SHUTDOWN_GRACE_MS = envPositiveNumber('SHUTDOWN_GRACE_MS', 30_000);

export function listenAddress(env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const port = Number(env.PORT ?? 9090);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535; got ${JSON.stringify(env.PORT)}`);
  }
  return { host: env.HOST || '127.0.0.1', port };
}

async function main(): Promise<void> {
  const { host, port } = listenAddress();
  const app = buildServer();
  await app.listen({ host, port });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: no new connections, waiting for in-flight requests');
    const timer = setTimeout(() => {
      app.log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
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
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
