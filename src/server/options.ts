/**
 * What a server is built from: the caller's options, completed from the environment (`BODY_LIMIT_BYTES`,
 * `transformer_build_version`, `git_commit_sha`) and the defaults.
 */
import type { DestinationHandlers } from './destinations';
import type { LogOptions } from './logging';
import type { MetricsSource } from './metrics';

export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface ServerOptions {
  /** Largest accepted request body; default `BODY_LIMIT_BYTES` or 10 MB. Larger bodies get HTTP 400. */
  bodyLimitBytes?: number;
  /** Logging (level and destination stream), or `false` for none. */
  log?: LogOptions | false;
  /** Replace parts of the destination (tests, benchmarks). */
  handlers?: Partial<DestinationHandlers>;
  /** Events of one processor request transformed at once; default 32. */
  processorConcurrency?: number;
  /** Reported by `/health`; default `transformer_build_version` or the npm package version. */
  version?: string;
  /** Collect prom-client's process metrics (CPU, memory, event loop); default true. */
  defaultMetrics?: boolean;
  /** Where `/metrics` comes from; default this server's own registry (a cluster worker: all workers'). */
  metricsSource?: MetricsSource;
  /** Add `x-worker-pid` to every reply, so a reply says which process answered (cluster workers). */
  identifyProcess?: boolean;
}

/** `BODY_LIMIT_BYTES` as a positive integer, or the default. Throws on a value that is not one. */
export function bodyLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BODY_LIMIT_BYTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_BODY_LIMIT_BYTES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`BODY_LIMIT_BYTES must be a positive integer (bytes); got ${JSON.stringify(raw)}`);
  }
  return value;
}
