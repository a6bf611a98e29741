/**
 * The cluster's primary process: it serves nothing itself. It starts the workers (each a full service on the
 * shared port), replaces one that dies unexpectedly, answers the workers' requests for the aggregated metrics, and
 * on SIGTERM / SIGINT asks every worker to stop gracefully and exits once they all have.
 */
import cluster, { type Address, type Worker } from 'node:cluster';
import type { PrimaryLog } from './log';
import { isStoppingMessage } from './messages';
import { serveWorkerMetrics } from './metrics';

/** Beyond the workers' own grace period: how long the primary waits before killing a worker that hangs. */
const BACKSTOP_MS = 5_000;

export interface PrimaryOptions {
  workers: number;
  /** The workers' `SHUTDOWN_GRACE_MS`. */
  graceMs: number;
  log: PrimaryLog;
}

function urlOf(address: Address): string {
  const host = address.address?.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host ?? '127.0.0.1'}:${address.port}`;
}

class Supervisor {
  private stopping = false;
  private exitCode = 0;
  private announced = false;
  /** Workers alive, by cluster id. */
  private readonly live = new Map<number, Worker>();
  /** Workers that have listened at least once: one that exits before that failed to start. */
  private readonly started = new Set<number>();
  /** Workers that said they are stopping (their own signal): not replaced when they exit. */
  private readonly leaving = new Set<number>();

  constructor(private readonly options: PrimaryOptions) {}

  start(): void {
    cluster.on('listening', (worker, address) => this.listened(worker, address));
    cluster.on('message', (worker, message: unknown) => {
      if (isStoppingMessage(message)) this.leaving.add(worker.id);
    });
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal));
    for (let i = 0; i < this.options.workers; i++) this.fork();
  }

  private fork(): void {
    const worker = cluster.fork();
    this.live.set(worker.id, worker);
  }

  private listened(worker: Worker, address: Address): void {
    this.started.add(worker.id);
    this.options.log.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker listening');
    const listening = [...this.live.keys()].filter((id) => this.started.has(id)).length;
    if (this.announced || listening < this.options.workers) return;
    this.announced = true;
    const fields = { workers: this.options.workers, address: urlOf(address) };
    this.options.log.info(fields, 'all workers listening');
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    this.live.delete(worker.id);
    const fields = { worker: worker.id, workerPid: worker.process.pid, code, signal };
    if (this.stopping || this.leaving.has(worker.id)) {
      this.options.log.info(fields, 'worker stopped');
      if (code !== 0) this.exitCode = 1;
      this.exitWhenNoneLeft();
    } else if (!this.started.has(worker.id)) {
      this.options.log.error(fields, 'worker failed to start; stopping the service');
      this.exitCode = 1;
      this.stop('worker failed to start');
    } else {
      this.options.log.warn(fields, 'worker died unexpectedly; starting a new one');
      this.fork();
    }
  }

  /** Ask every worker to stop gracefully; kill those still running after their grace period and a margin. */
  stop(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    const { log, graceMs } = this.options;
    log.info(
      { signal: reason, workers: this.live.size },
      'stopping: workers finish their in-flight requests',
    );
    for (const worker of this.live.values()) worker.process.kill('SIGTERM');
    const backstop = setTimeout(() => {
      log.error({ graceMs, workers: this.live.size }, 'workers did not stop in time; killing them');
      for (const worker of this.live.values()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, graceMs + BACKSTOP_MS);
    backstop.unref();
    this.exitWhenNoneLeft();
  }

  private exitWhenNoneLeft(): void {
    if (this.live.size > 0) return;
    this.options.log.info({ code: this.exitCode }, 'stopped');
    process.exit(this.exitCode);
  }
}

export function runPrimary(options: PrimaryOptions): void {
  const supervisor = new Supervisor(options);
  serveWorkerMetrics();
  process.once('SIGTERM', (signal) => supervisor.stop(signal));
  process.once('SIGINT', (signal) => supervisor.stop(signal));
  supervisor.start();
}
