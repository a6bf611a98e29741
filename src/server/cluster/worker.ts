/**
 * A cluster worker: a full service on the port the primary shares. `/metrics` answers every worker's metrics
 * (asked of the primary), replies name the worker (`x-worker-pid`), and a worker stops gracefully on its own
 * signal, on the primary's, or when the primary is gone.
 */
import { serve } from '../serve';
import { STOPPING } from './messages';
import { workerMetrics } from './metrics';

export async function runWorker(options: { host: string; port: number; graceMs: number }): Promise<void> {
  const serving = await serve({
    ...options,
    server: { metricsSource: workerMetrics, identifyProcess: true },
    // Told before the worker exits, so the primary does not replace it.
    onStopping: () => {
      if (process.connected) process.send?.(STOPPING);
    },
  });
  process.once('disconnect', () => serving.stop('primary gone'));
}
