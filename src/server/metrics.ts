/**
 * Prometheus metrics of one server, in its own registry (several servers can live in one process, as in tests).
 *
 * Destination-side observations arrive through the telemetry of the destination's runtime (src/framework/telemetry.ts):
 * a server sees the Salesforce calls of the runtime it serves.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { outcomeOf } from '../framework/outcomes';
import type { Telemetry } from '../framework/telemetry';

export const METRIC_PREFIX = 'sf_destination_';

export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

export type Feature = 'processor' | 'router' | 'proxy_v0' | 'proxy_v1';

/** What `/metrics` answers. */
export interface RenderedMetrics {
  contentType: string;
  body: string;
}

/**
 * Where `/metrics` comes from, given the server's own registry: by default that registry; in a cluster worker, the
 * aggregate of every worker's (src/server/cluster/metrics.ts).
 */
export type MetricsSource = (own: Registry) => () => Promise<RenderedMetrics>;

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly jobs: Counter<'feature' | 'destination' | 'outcome' | 'status_class'>;
  private readonly apiCalls: Counter<'endpoint' | 'status_class'>;
  private readonly usageUsed: Gauge<'destination_id'>;
  private readonly usageMax: Gauge<'destination_id'>;
  private readonly batchSize: Histogram<'kind'>;
  private readonly tokenRefreshes: Counter<'flow'>;
  private readonly latency: Histogram<'method' | 'route' | 'status_class'>;
  private readonly detach: () => void;

  constructor(telemetry: Telemetry, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.jobs = new Counter({
      name: `${METRIC_PREFIX}jobs_total`,
      help: 'Jobs (events) answered, by feature, destination, outcome and status code class',
      labelNames: ['feature', 'destination', 'outcome', 'status_class'],
      registers,
    });
    this.apiCalls = new Counter({
      name: `${METRIC_PREFIX}salesforce_api_calls_total`,
      help: 'HTTP calls made to Salesforce (token, query, delivery), by endpoint kind and status code class',
      labelNames: ['endpoint', 'status_class'],
      registers,
    });
    this.usageUsed = new Gauge({
      name: `${METRIC_PREFIX}salesforce_api_usage_used`,
      help: 'API calls used in the last 24 h, from the last Sforce-Limit-Info header seen for the destination',
      labelNames: ['destination_id'],
      // Across cluster workers, each of which saw some of the answers: the highest, not the sum of the workers'.
      aggregator: 'max',
      registers,
    });
    this.usageMax = new Gauge({
      name: `${METRIC_PREFIX}salesforce_api_usage_max`,
      help: 'Daily API call allocation, from the last Sforce-Limit-Info header seen for the destination',
      labelNames: ['destination_id'],
      aggregator: 'max',
      registers,
    });
    this.batchSize = new Histogram({
      name: `${METRIC_PREFIX}router_batch_size`,
      help: 'Router batches per destination: input events (kind=inputs) and output elements (kind=outputs)',
      labelNames: ['kind'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    });
    this.tokenRefreshes = new Counter({
      name: `${METRIC_PREFIX}token_refreshes_total`,
      help: 'Access tokens obtained by logging in (password flow), by flow',
      labelNames: ['flow'],
      registers,
    });
    this.latency = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request, by method, route and status code class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.detach = this.observe(telemetry);
  }

  /** Destination-side observations (Salesforce calls, usage, logins, batches) as metrics; returns the detach. */
  private observe(telemetry: Telemetry): () => void {
    return telemetry.listen({
      apiCall: (e) => this.apiCalls.inc({ endpoint: e.endpoint, status_class: statusClass(e.status) }),
      apiUsage: (e) => {
        this.usageUsed.set({ destination_id: e.destinationId }, e.used);
        this.usageMax.set({ destination_id: e.destinationId }, e.max);
      },
      tokenRefresh: (e) => this.tokenRefreshes.inc({ flow: e.flow }),
      batch: (e) => {
        this.batchSize.observe({ kind: 'inputs' }, e.size);
        this.batchSize.observe({ kind: 'outputs' }, e.outputs);
      },
    });
  }

  /** Count jobs answered with the given status codes. */
  jobsAnswered(feature: Feature, destination: string, statuses: Iterable<number>): void {
    const counts = new Map<number, number>();
    for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
    for (const [status, n] of counts) {
      this.jobs.inc(
        { feature, destination, outcome: outcomeOf(status), status_class: statusClass(status) },
        n,
      );
    }
  }

  requestDone(method: string, route: string, status: number, seconds: number): void {
    this.latency.observe({ method, route, status_class: statusClass(status) }, seconds);
  }

  async render(): Promise<RenderedMetrics> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Stop listening to telemetry (the server is closing). */
  close(): void {
    this.detach();
  }
}
