/**
 * `/metrics` across workers: prom-client's AggregatorRegistry in the primary collects every worker's registry over
 * IPC and sums (or, for gauges that say so, takes the max of) each series. The worker that got the scrape asks the
 * primary for that aggregate and answers it.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource, RenderedMetrics } from '../metrics';
import {
  isMetricsReply,
  isMetricsRequest,
  metricsReply,
  metricsRequest,
  type MetricsReply,
} from './messages';

/** The worker side: one listener for the primary's answers, one pending scrape per request id. */
class PrimaryMetrics {
  private readonly pending = new Map<string, { resolve(m: RenderedMetrics): void; reject(e: Error): void }>();
  private next = 0;

  constructor() {
    process.on('message', (message: unknown) => {
      if (isMetricsReply(message)) this.settle(message);
    });
    process.on('disconnect', () => {
      for (const { reject } of this.pending.values()) reject(new Error('the primary process is gone'));
      this.pending.clear();
    });
  }

  private settle(reply: MetricsReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined || reply.body === undefined) {
      waiter.reject(new Error(`metrics of the workers could not be collected: ${reply.error ?? 'no body'}`));
    } else {
      waiter.resolve({
        contentType: reply.contentType ?? AggregatorRegistry.PROMETHEUS_CONTENT_TYPE,
        body: reply.body,
      });
    }
  }

  ask(): Promise<RenderedMetrics> {
    if (!process.send || !process.connected) return Promise.reject(new Error('the primary process is gone'));
    const id = `${process.pid}:${this.next++}`;
    const answer = new Promise<RenderedMetrics>((resolve, reject) =>
      this.pending.set(id, { resolve, reject }),
    );
    process.send(metricsRequest(id));
    return answer;
  }
}

/**
 * In a cluster worker: offer this server's registry to the primary's aggregation (prom-client answers the
 * primary's requests once an AggregatorRegistry exists in the worker), and answer scrapes with the aggregate.
 */
export const workerMetrics: MetricsSource = (own: Registry) => {
  AggregatorRegistry.setRegistries([own]);
  new AggregatorRegistry();
  const primary = new PrimaryMetrics();
  return () => primary.ask();
};

function answer(worker: Worker, reply: MetricsReply): void {
  if (worker.isConnected()) worker.send(reply);
}

/** In the primary: answer each worker's request with every worker's metrics, aggregated. */
export function serveWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMetricsRequest(message)) return;
    aggregator.clusterMetrics().then(
      (body) => answer(worker, metricsReply(message.id, { contentType: aggregator.contentType, body })),
      (error: unknown) =>
        answer(
          worker,
          metricsReply(message.id, { error: error instanceof Error ? error.message : String(error) }),
        ),
    );
  });
}
