/**
 * `npm start`: listen on HOST:PORT (default 127.0.0.1:9090) with `WORKERS` processes (default 1), and stop
 * gracefully on SIGTERM / SIGINT: stop accepting connections, let in-flight requests finish, then exit.
 *
 * - `WORKERS=1`: this process is the service (serve.ts).
 * - more: this process is the cluster's primary (cluster/primary.ts) and each worker a full service
 *   (cluster/worker.ts), all on one port.
 */
import cluster from 'node:cluster';
import { runPrimary } from './cluster/primary';
import { primaryLog } from './cluster/log';
import { runWorker } from './cluster/worker';
import { workersFromEnv } from './cluster/workers';
import { listenAddress, serve, shutdownGraceMs } from './serve';

export { listenAddress } from './serve';
export { workersFromEnv } from './cluster/workers';

async function main(): Promise<void> {
  const address = listenAddress();
  const workers = workersFromEnv();
  const graceMs = shutdownGraceMs();
  if (workers === 1) {
    await serve({ ...address, graceMs });
  } else if (cluster.isPrimary) {
    runPrimary({ workers, graceMs, log: primaryLog() });
  } else {
    await runWorker({ ...address, graceMs });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
