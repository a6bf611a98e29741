/**
 * `npm run bench:load [-- --rounds 4] [-- --scale 1] [-- --profile DIR]`: the load check of the HTTP service, in one
 * run (about 3 minutes on 2 cores): 1 and 2 worker processes, concurrency 1, 4 and 16, both payload formats
 * (compacted, full) and both write modes (record, collections). `--rounds` (at least 3) and `--scale` (requests
 * per round) trade time for noise; `--formats`, `--modes`, `--workers` take a subset (comma-separated) for a
 * quicker look; `--profile DIR` writes V8 CPU profiles of the service and yardstick processes.
 *
 * Processes, so that each one's CPU is its own (read from /proc, per thread; see procCpu.ts):
 * - the Salesforce simulator (bench/simProcess.ts), seeded with existing Leads;
 * - the service as users run it (`node --import tsx src/server/main.ts`, `WORKERS=1` and `WORKERS=2`), logging at
 *   its default level (info) to a file;
 * - the yardstick (this file with `--role bare`, 1 and 2 worker processes): the least server that could answer the
 *   route: node:http, `JSON.parse`, `processRouterDest`, `JSON.stringify`, nothing else;
 * - this process: the load client (router requests of 200 identify events, half for existing Leads), and
 *   `processRouterDest` called directly on the same batches (the direct path).
 *
 * Every server process is warm before anything is timed: its first 10,000 events (each worker's) are measured on
 * their own (the cold phase), then it answers at least 20,000 events per worker over every format and write mode.
 * Each cell (format, write mode, concurrency) then alternates rounds of every server and the direct path, so a slow
 * spell of the shared machine falls on all of them. Router transform only: nothing is delivered, so the org does
 * not change between rounds.
 *
 * Prints one table per format and write mode, the cold phase, the CPU of the machine's other processes during the
 * timed windows, and PASS/FAIL against the targets; writes bench/results/load-latest.json with everything.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Destination, Metadata, RouterInput } from '../src/framework/types';
import { processRouterDest } from '../src/v0/destinations/salesforce/transform';
import { demoDestinationConfig } from '../tools/salesforce-sim';
import {
  clusterWorkerPids,
  cpuBetween,
  machineBusyUs,
  procAvailable,
  processCpu,
  type ProcessCpu,
} from './procCpu';
import { startChildService, startSimProcess, type ChildService, type SimProcess } from './simProcess';
import { identify, makeDestination } from './workload';

const ROOT = resolve(__dirname, '..');
const BATCH = 200;
const EXISTING_LEADS = 5000;
/** Requests per round at each concurrency (times `--scale`). */
const LEVELS = [
  { concurrency: 1, requests: 25 },
  { concurrency: 4, requests: 40 },
  { concurrency: 16, requests: 80 },
];
const MIN_ROUNDS = 3;
const DEFAULT_ROUNDS = 4;
/** Each fresh worker process's first events, measured on their own. */
const COLD_EVENTS = 10_000;
/** Events each worker process answers (cold phase included) before anything is timed. */
const WARM_EVENTS = 20_000;
const COLD_CONCURRENCY = 4;
const TARGETS = { scaling: 1.7, cpuOverYardstick: 1.1 };
const REQUEST_METADATA = { namespace: 'Unknown', cluster: 'Unknown', features: {} };

type Format = 'compacted' | 'full';
type Mode = 'record' | 'collections';
type Kind = 'service' | 'yardstick';

/** A server's name in the tables and the figures: `service ×2`. */
const nameOf = (kind: Kind, workers: number) => `${kind} ×${workers}`;

// ------------------------------------------------------------------------------------------ options

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function listArg<T extends string>(name: string, all: readonly T[]): T[] {
  const wanted = arg(name, all.join(',')).split(',');
  const chosen = all.filter((v) => wanted.includes(v));
  if (!chosen.length) throw new Error(`--${name} takes some of ${all.join(',')}`);
  return chosen;
}

interface Options {
  rounds: number;
  scale: number;
  /** Longest timed run, seconds: a run stops early past it (a slow machine), and says so in its request count. */
  runSeconds: number;
  formats: Format[];
  modes: Mode[];
  workers: number[];
  profile: string;
  out: string;
}

function options(): Options {
  return {
    rounds: Math.max(MIN_ROUNDS, Number(arg('rounds', String(DEFAULT_ROUNDS)))),
    scale: Number(arg('scale', '1')),
    runSeconds: Number(arg('seconds', '20')),
    formats: listArg('formats', ['compacted', 'full'] as const),
    modes: listArg('modes', ['record', 'collections'] as const),
    workers: listArg('workers', ['1', '2'] as const).map(Number),
    profile: arg('profile', ''),
    out: resolve(ROOT, arg('out', 'bench/results/load-latest.json')),
  };
}

// ------------------------------------------------------------------------------------------ the yardstick role

interface RequestBody {
  input: RouterInput[];
  destinations?: Record<string, Destination>;
}

/**
 * The yardstick's answer to one request body: parsed, the compacted destination put back into each input (the load
 * check's batches have no connections), transformed, serialised.
 */
async function bareAnswer(text: string): Promise<string> {
  const { input, destinations } = JSON.parse(text) as RequestBody;
  if (destinations)
    for (const item of input) item.destination = destinations[String(item.metadata?.destinationId)];
  return JSON.stringify({ output: await processRouterDest(input, REQUEST_METADATA) });
}

/**
 * The yardstick: the least HTTP server that could answer this route. node:http, `JSON.parse` of the body, the
 * compacted destinations put back, `processRouterDest`, `JSON.stringify` of the reply; no validation, grouping,
 * metrics, logs or error handling. It serves only the load check's own well-formed batches. With `--workers N`
 * above 1 it is a node:cluster of N such servers on one port, as the service is.
 */
async function bareRole(): Promise<void> {
  const workers = Number(arg('workers', '1'));
  if (workers > 1 && cluster.isPrimary) return barePrimary(workers);
  const pid = String(process.pid);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bareAnswer(Buffer.concat(chunks).toString('utf8')).then(
        (text) => {
          const length = Buffer.byteLength(text);
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': length,
            'x-worker-pid': pid,
          });
          res.end(text);
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  if (workers === 1) process.stdout.write(`READY http://127.0.0.1:${port}\n`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

function barePrimary(workers: number): void {
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) process.stdout.write(`READY http://127.0.0.1:${address.port}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (!Object.keys(cluster.workers ?? {}).length) process.exit(0);
    });
  });
}

// ------------------------------------------------------------------------------------------ servers under test

/** A server under test: the service or the yardstick, with its processes. */
interface Target {
  kind: Kind;
  workers: number;
  name: string;
  url: string;
  /** The process started: the server itself, or with workers the cluster's primary. */
  pid: number;
  /** The processes that answer requests (the pid itself with one worker). */
  workerPids: number[];
  /** The service's log file (its stdout). */
  logFile?: string;
  /** Requests sent to it, all phases. */
  requestsSent: number;
  close(): Promise<void>;
}

/** Wait until a cluster primary has `count` children, and return their pids. */
async function workersOf(pid: number, count: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const children = clusterWorkerPids(pid);
    if (children.length >= count) return children;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} did not start ${count} workers`);
}

async function asTarget(kind: Kind, workers: number, child: ChildService, logFile?: string): Promise<Target> {
  return {
    kind,
    workers,
    name: nameOf(kind, workers),
    url: child.url,
    pid: child.pid,
    workerPids: workers > 1 ? await workersOf(child.pid, workers) : [child.pid],
    logFile,
    requestsSent: 0,
    close: () => child.close(),
  };
}

/**
 * The service as `npm start` runs it (`node --import tsx src/server/main.ts`), on a free port, with `WORKERS` and
 * no `LOG_LEVEL` (so the default, info); its log goes to a file, as a log collector would take it.
 */
async function startService(workers: number, dir: string, profile: string): Promise<Target> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: '0', WORKERS: String(workers) };
  delete env.LOG_LEVEL;
  const logFile = join(dir, `service-${workers}.log`);
  const ready =
    workers === 1
      ? /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/
      : /"address":"(http:\/\/127\.0\.0\.1:\d+)","msg":"all workers listening"/;
  const child = await startChildService(join(ROOT, 'src/server/main.ts'), [], ready, {
    env,
    nodeArgs: profileArgs(profile, `service-${workers}`),
    stdoutFile: logFile,
  });
  return asTarget('service', workers, child, logFile);
}

async function startYardstick(workers: number, profile: string): Promise<Target> {
  const args = ['--role', 'bare', '--workers', String(workers)];
  const nodeArgs = profileArgs(profile, `yardstick-${workers}`);
  const child = await startChildService(__filename, args, /READY (http:\/\/127\.0\.0\.1:\d+)/, { nodeArgs });
  return asTarget('yardstick', workers, child);
}

/**
 * `--profile DIR`: a V8 CPU profile of every process of a server, in DIR/<server> (cluster workers inherit the
 * option), written when it stops; open them in Chrome DevTools, or compare the service's with the yardstick's.
 */
function profileArgs(profile: string, name: string): string[] {
  return profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(ROOT, profile, name)] : [];
}

// ------------------------------------------------------------------------------------------ the workload

/**
 * The job metadata rudder-server's router sends with every job (`types.JobMetadataT`, rudder-server.md 1.1), every
 * field present, as rudder-server serialises them (no OAuth secret: `null`; tracing on: a traceparent).
 */
function routerMetadata(input: RouterInput, n: number): RouterInput {
  const metadata = input.metadata ?? {};
  const complete: Metadata & Record<string, unknown> = {
    userId: metadata.userId,
    jobId: metadata.jobId,
    sourceId: metadata.sourceId,
    sourceCategory: '',
    destinationId: metadata.destinationId,
    attemptNum: 0,
    receivedAt: '2025-01-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.123456Z',
    firstAttemptedAt: '',
    transformAt: 'router',
    workspaceId: metadata.workspaceId,
    secret: null,
    workerAssignedTime: '2025-01-01T00:00:01.234567891Z',
    dontBatch: false,
    traceparent: `00-${n.toString(16).padStart(32, '0')}-${(n * 7).toString(16).padStart(16, '0')}-01`,
  };
  return { ...input, metadata: complete };
}

/** Batch `b`: 200 identify events, every other one for an existing Lead. */
function batch(b: number, destination: Destination): RouterInput[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = b * BATCH + i;
    const email = i % 2 === 0 ? `existing${n % EXISTING_LEADS}@bench.test` : `new${n}@bench.test`;
    const input = identify(destination, {
      jobId: n + 1,
      userId: `user-${n}`,
      traits: { email, firstName: 'Load', lastName: `Test ${n}`, company: 'Bench Inc', title: `T${n % 7}` },
    });
    return routerMetadata(input, n + 1);
  });
}

/** The request body rudder-server would send: compacted (our /features advertises it) or one destination per input. */
function requestBody(inputs: RouterInput[], destination: Destination, format: Format): Buffer {
  if (format === 'full') return Buffer.from(JSON.stringify({ destType: 'salesforce', input: inputs }));
  const body = {
    destType: 'salesforce',
    input: inputs.map(({ message, metadata }) => ({ message, metadata })),
    destinations: { [destination.ID]: destination },
    connections: {},
  };
  return Buffer.from(JSON.stringify(body));
}

interface Workload {
  format: Format;
  mode: Mode;
  /** The transform's inputs, for the direct path (shared by both formats of a write mode). */
  batches: RouterInput[][];
  bodies: Buffer[];
}

function workloads(opts: Options, sim: SimProcess, count: number): Workload[] {
  const runId = randomUUID().slice(0, 8);
  return opts.modes.flatMap((mode) => {
    const config = demoDestinationConfig(sim.url, { writeMode: mode });
    const destination = makeDestination(`bench-load-${mode}-${runId}`, config);
    const batches = Array.from({ length: count }, (_, b) => batch(b, destination));
    return opts.formats.map((format) => ({
      format,
      mode,
      batches,
      bodies: batches.map((inputs) => requestBody(inputs, destination, format)),
    }));
  });
}

// ------------------------------------------------------------------------------------------ one timed run

/** The CPU of the processes around a run, µs. */
interface CpuWindow {
  /** The server's workers (the direct path: this process), main thread and the others. */
  mainUs: number;
  otherUs: number;
  /** A cluster's primary, all its threads (0 without one). */
  primaryUs: number;
  simUs: number;
  /** This process: the load client (the direct path: itself, so 0). */
  clientUs: number;
  /** Every process on the machine, all cores. */
  machineUs: number;
}

interface Reading {
  target: ProcessCpu[];
  sim: ProcessCpu[];
  self: ProcessCpu[];
  machineUs: number;
}

function read(pids: number[], simPid: number): Reading {
  return {
    target: pids.map(processCpu),
    sim: [processCpu(simPid)],
    self: [processCpu(process.pid)],
    machineUs: machineBusyUs(),
  };
}

/** Run `fn` between two readings of the server `pids` (the first one the primary when `primary`). */
async function withCpu<T>(
  pids: number[],
  primary: boolean,
  simPid: number,
  fn: () => Promise<T>,
): Promise<{ value: T; cpu: CpuWindow }> {
  const before = read(pids, simPid);
  const value = await fn();
  const after = read(pids, simPid);
  const split = (list: ProcessCpu[]) => (primary ? [list.slice(0, 1), list.slice(1)] : [[], list]);
  const [primaryBefore, workersBefore] = split(before.target);
  const [primaryAfter, workersAfter] = split(after.target);
  const workers = cpuBetween(workersBefore, workersAfter);
  const ofPrimary = cpuBetween(primaryBefore, primaryAfter);
  const sim = cpuBetween(before.sim, after.sim);
  const self = cpuBetween(before.self, after.self);
  const isSelf = pids.includes(process.pid);
  return {
    value,
    cpu: {
      ...workers,
      primaryUs: ofPrimary.mainUs + ofPrimary.otherUs,
      simUs: sim.mainUs + sim.otherUs,
      clientUs: isSelf ? 0 : self.mainUs + self.otherUs,
      machineUs: after.machineUs - before.machineUs,
    },
  };
}

async function pool<T>(items: T[], concurrency: number, deadline: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length && Date.now() < deadline) await fn(items[next++]);
    }),
  );
}

interface Reply {
  status: number;
  body: Buffer;
  workerPid: string;
  ms: number;
}

/**
 * POST one body on a keep-alive connection and return the raw reply. The load client stays light (node:http, no
 * parsing while a run is timed) so that it takes as little CPU as it can from the servers it measures: on a
 * 2-core machine every process shares the cores.
 */
function post(agent: Agent, url: URL, body: Buffer, format: Format): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((done, reject) => {
    const headers = {
      'content-type': 'application/json',
      'content-length': body.length,
      ...(format === 'compacted' ? { 'x-content-format': 'json+compactedv1' } : {}),
    };
    const options = {
      agent,
      host: url.hostname,
      port: url.port,
      path: '/routerTransform',
      method: 'POST',
      headers,
    };
    const req = httpRequest(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const workerPid = String(res.headers['x-worker-pid'] ?? '');
        done({ status, body: Buffer.concat(chunks), workerPid, ms: performance.now() - t0 });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request that got no reply (connection refused or reset): an error. */
const NO_REPLY: Reply = { status: 0, body: Buffer.alloc(0), workerPid: '', ms: 0 };

interface RouterReply {
  output?: { statusCode: number; metadata: unknown[] }[];
}

/** One timed run of one server, or of the direct path. */
interface Sample {
  requests: number;
  seconds: number;
  latencies: number[];
  /** Requests not answered 200 with one job per event. */
  errors: number;
  /** Jobs by the status the reply gave them. */
  jobsByStatus: Record<string, number>;
  /** Requests answered by each worker process (x-worker-pid). */
  byWorker: Record<string, number>;
  cpu: CpuWindow;
  replies: RouterReply[];
}

/** Read the replies after the timed window (so reading them costs the servers nothing). */
function tally(replies: Reply[], fallbackPid: number): Omit<Sample, 'seconds' | 'cpu'> {
  const tallied: Omit<Sample, 'seconds' | 'cpu'> = {
    requests: replies.length,
    latencies: replies.filter((r) => r.status !== 0).map((r) => r.ms),
    errors: 0,
    jobsByStatus: {},
    byWorker: {},
    replies: [],
  };
  for (const reply of replies) {
    const pid = reply.workerPid || String(fallbackPid);
    tallied.byWorker[pid] = (tallied.byWorker[pid] ?? 0) + 1;
    let json: RouterReply = {};
    try {
      json = JSON.parse(reply.body.toString('utf8')) as RouterReply;
    } catch {
      // counted below
    }
    const jobs = (json.output ?? []).reduce((n, e) => n + e.metadata.length, 0);
    if (reply.status !== 200 || jobs !== BATCH) tallied.errors += 1;
    else tallied.replies.push(json);
    for (const e of json.output ?? []) {
      tallied.jobsByStatus[e.statusCode] = (tallied.jobsByStatus[e.statusCode] ?? 0) + e.metadata.length;
    }
  }
  return tallied;
}

async function httpRun(
  target: Target,
  bodies: Buffer[],
  format: Format,
  concurrency: number,
  context: { simPid: number; deadline: number },
): Promise<Sample> {
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const replies: Reply[] = [];
  const pids = target.workers > 1 ? [target.pid, ...target.workerPids] : [target.pid];
  const started = performance.now();
  const { cpu } = await withCpu(pids, target.workers > 1, context.simPid, () =>
    pool(bodies, concurrency, context.deadline, async (body) => {
      replies.push(await post(agent, url, body, format).catch(() => NO_REPLY));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  target.requestsSent += replies.length;
  return { ...tally(replies, target.pid), seconds, cpu };
}

async function directRun(
  batches: RouterInput[][],
  concurrency: number,
  context: { simPid: number; deadline: number },
): Promise<Sample> {
  const latencies: number[] = [];
  const started = performance.now();
  const { cpu } = await withCpu([process.pid], false, context.simPid, () =>
    pool(batches, concurrency, context.deadline, async (inputs) => {
      const t0 = performance.now();
      await processRouterDest(inputs, REQUEST_METADATA);
      latencies.push(performance.now() - t0);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const requests = latencies.length;
  return { requests, seconds, latencies, errors: 0, jobsByStatus: {}, byWorker: {}, cpu, replies: [] };
}

// ------------------------------------------------------------------------------------------ figures

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Cores busy on average during the runs. */
interface Cores {
  /** The server measured (all its processes), or this process for the direct path. */
  measured: number;
  simulator: number;
  /** This process, sending the requests (0 for the direct path, which is this process). */
  loadClient: number;
  /** Every other process on the machine (another benchmark, a build...): noise in the figures. */
  others: number;
}

interface Figures {
  requests: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Jobs answered with a retryable status (5xx/429): the service or the org could not keep up. */
  retryableJobs: number;
  jobsByStatus: Record<string, number>;
  /** CPU per event: all the server's processes; its workers' main threads; their other threads; the primary. */
  cpuUsPerEvent: number;
  mainUsPerEvent: number;
  otherUsPerEvent: number;
  primaryUsPerEvent: number;
  cores: Cores;
  byWorker: Record<string, number>;
}

function sumOf<T>(items: T[], f: (item: T) => number): number {
  return items.reduce((acc, item) => acc + f(item), 0);
}

function mergeCounts(target: Record<string, number>, add: Record<string, number>): Record<string, number> {
  for (const [key, n] of Object.entries(add)) target[key] = (target[key] ?? 0) + n;
  return target;
}

function coresOf(samples: Sample[], seconds: number): Cores {
  const cpu = (f: (c: CpuWindow) => number) =>
    sumOf(samples, (s) => f(s.cpu)) / 1e6 / Math.max(seconds, 1e-9);
  const measured = cpu((c) => c.mainUs + c.otherUs + c.primaryUs);
  const simulator = cpu((c) => c.simUs);
  const loadClient = cpu((c) => c.clientUs);
  const others = Math.max(0, cpu((c) => c.machineUs) - measured - simulator - loadClient);
  return {
    measured: round(measured, 2),
    simulator: round(simulator, 2),
    loadClient: round(loadClient, 2),
    others: round(others, 2),
  };
}

function figures(samples: Sample[]): Figures {
  const requests = sumOf(samples, (s) => s.requests);
  const events = Math.max(1, requests * BATCH);
  const seconds = sumOf(samples, (s) => s.seconds);
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const perEvent = (f: (c: CpuWindow) => number) => round(sumOf(samples, (s) => f(s.cpu)) / events, 1);
  const jobsByStatus = samples.reduce<Record<string, number>>(
    (acc, s) => mergeCounts(acc, s.jobsByStatus),
    {},
  );
  const retryable = Object.entries(jobsByStatus).filter(([code]) => Number(code) >= 500 || code === '429');
  return {
    requests,
    events: requests * BATCH,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round((requests * BATCH) / seconds),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    errors: sumOf(samples, (s) => s.errors),
    retryableJobs: sumOf(retryable, ([, n]) => n),
    jobsByStatus,
    cpuUsPerEvent: perEvent((c) => c.mainUs + c.otherUs + c.primaryUs),
    mainUsPerEvent: perEvent((c) => c.mainUs),
    otherUsPerEvent: perEvent((c) => c.otherUs),
    primaryUsPerEvent: perEvent((c) => c.primaryUs),
    cores: coresOf(samples, seconds),
    byWorker: samples.reduce<Record<string, number>>((acc, s) => mergeCounts(acc, s.byWorker), {}),
  };
}

/**
 * The least any HTTP layer can add: parsing the request bodies and serialising the replies, with V8's own JSON and
 * nothing else, measured here on the same bodies and replies (CPU µs per event).
 */
function jsonFloor(bodies: Buffer[], replies: RouterReply[]): { parseUs: number; stringifyUs: number } {
  const texts = bodies.map((b) => b.toString('utf8'));
  const measure = (fn: () => void): number => {
    fn(); // warm-up pass
    const passes = 3;
    const before = process.cpuUsage();
    for (let i = 0; i < passes; i++) fn();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / passes;
  };
  const parseUs = measure(() => texts.forEach((t) => JSON.parse(t))) / (texts.length * BATCH);
  const stringifyUs =
    measure(() => replies.forEach((r) => JSON.stringify(r))) / Math.max(1, replies.length * BATCH);
  return { parseUs: round(parseUs, 2), stringifyUs: round(stringifyUs, 2) };
}

// ------------------------------------------------------------------------------------------ phases

/** `count` items taken from `items` in turn. */
function cycle<T>(items: T[], count: number): T[] {
  return Array.from({ length: count }, (_, i) => items[i % items.length]);
}

const NO_DEADLINE = () => Date.now() + 600_000;

/** The rudder-server default a fresh process meets first: compacted payload, record write mode. */
function coldWorkload(loads: Workload[]): Workload {
  return loads.find((l) => l.format === 'compacted' && l.mode === 'record') ?? loads[0];
}

/**
 * A fresh server's first `COLD_EVENTS` events per worker, timed on their own (the cold phase); then requests of
 * every workload until each worker has answered `WARM_EVENTS` events.
 */
async function coldThenWarm(target: Target, loads: Workload[], simPid: number): Promise<Figures> {
  const first = coldWorkload(loads);
  const coldBodies = cycle(first.bodies, (COLD_EVENTS / BATCH) * target.workers);
  const context = { simPid, deadline: NO_DEADLINE() };
  const cold = await httpRun(target, coldBodies, first.format, COLD_CONCURRENCY, context);
  const answered = { ...cold.byWorker };
  const least = () => Math.min(...target.workerPids.map((pid) => answered[String(pid)] ?? 0)) * BATCH;
  for (let pass = 0; pass === 0 || least() < WARM_EVENTS; pass++) {
    if (pass > 20)
      throw new Error(
        `${target.name}: a worker got too few requests to warm up: ${JSON.stringify(answered)}`,
      );
    for (const load of loads) {
      const bodies = cycle(load.bodies, 25 * target.workers);
      const run = await httpRun(target, bodies, load.format, 2 * target.workers, context);
      mergeCounts(answered, run.byWorker);
    }
  }
  return figures([cold]);
}

/** The direct path's cold phase and warm-up, as the servers': it runs in this process, fresh until now. */
async function directColdThenWarm(loads: Workload[], simPid: number): Promise<Figures> {
  const context = { simPid, deadline: NO_DEADLINE() };
  const cold = await directRun(
    cycle(coldWorkload(loads).batches, COLD_EVENTS / BATCH),
    COLD_CONCURRENCY,
    context,
  );
  for (const batches of new Set(loads.map((l) => l.batches))) {
    await directRun(cycle(batches, WARM_EVENTS / BATCH), 2, context);
  }
  return figures([cold]);
}

interface Cell {
  format: Format;
  mode: Mode;
  concurrency: number;
  requestsPerRound: number;
  /** By server name (`service ×1`...). */
  servers: Record<string, Figures>;
  direct: Figures;
  jsonFloor: { parseUs: number; stringifyUs: number };
}

/** One format, write mode and concurrency: every server and the direct path in alternating rounds, summed. */
async function measureCell(
  servers: Target[],
  load: Workload,
  level: { concurrency: number; requests: number },
  opts: Options,
  simPid: number,
): Promise<Cell> {
  const requests = Math.max(level.concurrency, Math.round(level.requests * opts.scale));
  const bodies = load.bodies.slice(0, requests);
  const samples = new Map<string, Sample[]>([
    ...servers.map((t) => [t.name, []] as [string, Sample[]]),
    ['direct', []],
  ]);
  const deadline = () => Date.now() + opts.runSeconds * 1000;
  for (let r = 0; r < opts.rounds; r++) {
    for (const target of servers) {
      const sample = await httpRun(target, bodies, load.format, level.concurrency, {
        simPid,
        deadline: deadline(),
      });
      samples.get(target.name)?.push(sample);
    }
    const batches = load.batches.slice(0, requests);
    samples
      .get('direct')
      ?.push(await directRun(batches, level.concurrency, { simPid, deadline: deadline() }));
  }
  const replies = samples.get(servers[0].name)?.[0]?.replies ?? [];
  const byName = Object.fromEntries(servers.map((t) => [t.name, figures(samples.get(t.name) ?? [])]));
  return {
    format: load.format,
    mode: load.mode,
    concurrency: level.concurrency,
    requestsPerRound: requests,
    servers: byName,
    direct: figures(samples.get('direct') ?? []),
    jsonFloor: jsonFloor(bodies, replies),
  };
}

// ------------------------------------------------------------------------------------------ verdicts

interface Verdict {
  pass: boolean;
  name: string;
  value: number;
  limit: string;
  detail: string;
}

/** One server's figures in each of the cells (a subset run may lack it). */
function serverFigures(cells: Cell[], name: string): Figures[] {
  return cells.map((c) => c.servers[name]).filter((f): f is Figures => f !== undefined);
}

/** Events/s over the cells (total events over total time) and each cell's own figure. */
function throughput(cells: Cell[], name: string): { overall: number; each: number[] } {
  const figs = serverFigures(cells, name);
  const seconds = sumOf(figs, (f) => f.seconds);
  return {
    overall: sumOf(figs, (f) => f.events) / Math.max(1e-9, seconds),
    each: figs.map((f) => f.eventsPerSecond),
  };
}

/** CPU per event over the cells (total CPU over total events) and each cell's own figure. */
function cpuPerEvent(cells: Cell[], name: string): { overall: number; each: number[] } {
  const figs = serverFigures(cells, name);
  const events = sumOf(figs, (f) => f.events);
  return {
    overall: sumOf(figs, (f) => f.cpuUsPerEvent * f.events) / Math.max(1, events),
    each: figs.map((f) => f.cpuUsPerEvent),
  };
}

function span(values: number[]): string {
  return values.length ? `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}` : 'n/a';
}

/**
 * The most 2 workers could gain on this machine: its cores, all busy with the service, the simulator and the load
 * client at their CPU per event with 2 workers, would answer at most cores ÷ that events a second; over 1 worker's.
 */
function scalingCeiling(cells: Cell[]): number {
  const figs = serverFigures(cells, nameOf('service', 2));
  const events = sumOf(figs, (f) => f.events);
  const busy = sumOf(figs, (f) => (f.cores.measured + f.cores.simulator + f.cores.loadClient) * f.seconds);
  const cpuSecondsPerEvent = busy / Math.max(1, events);
  return availableParallelism() / cpuSecondsPerEvent / throughput(cells, nameOf('service', 1)).overall;
}

function scalingVerdicts(cells: Cell[]): Verdict[] {
  return [4, 16].flatMap((concurrency) => {
    const at = cells.filter((c) => c.concurrency === concurrency);
    const ratio = (kind: Kind) => {
      const one = throughput(at, nameOf(kind, 1));
      const two = throughput(at, nameOf(kind, 2));
      return { overall: two.overall / one.overall, each: two.each.map((v, i) => v / one.each[i]) };
    };
    const service = ratio('service');
    const yardstick = ratio('yardstick');
    // A subset run (--workers 1 or 2) has no pair to compare.
    if (!service.each.length || !Number.isFinite(service.overall)) return [];
    const ceiling = scalingCeiling(at);
    return [
      {
        pass: service.overall >= TARGETS.scaling,
        name: `events/s, 2 workers ÷ 1 worker, concurrency ${concurrency}`,
        value: round(service.overall, 2),
        limit: `≥ ${TARGETS.scaling.toFixed(2)}`,
        detail: `cells ${span(service.each)}; the yardstick's: ${yardstick.overall.toFixed(2)}; this machine's ceiling: ${ceiling.toFixed(2)}`,
      },
    ];
  });
}

function cpuVerdicts(cells: Cell[], workerCounts: number[]): Verdict[] {
  const formats = [...new Set(cells.map((c) => c.format))];
  return formats.flatMap((format) =>
    workerCounts.map((workers) => {
      const at = cells.filter((c) => c.format === format);
      const service = cpuPerEvent(at, nameOf('service', workers));
      const yardstick = cpuPerEvent(at, nameOf('yardstick', workers));
      const ratio = service.overall / yardstick.overall;
      return {
        pass: ratio <= TARGETS.cpuOverYardstick,
        name: `CPU/event, service ÷ yardstick, ${format} payload, ${workers} worker${workers > 1 ? 's' : ''}`,
        value: round(ratio, 2),
        limit: `≤ ${TARGETS.cpuOverYardstick.toFixed(2)}`,
        detail: `cells ${span(service.each.map((v, i) => v / yardstick.each[i]))}; ${service.overall.toFixed(1)} vs ${yardstick.overall.toFixed(1)} µs/event`,
      };
    }),
  );
}

// ------------------------------------------------------------------------------------------ report

function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const HEADER = [
  'workers',
  'conc',
  'events/s',
  'p50 ms',
  'p99 ms',
  'service µs/ev',
  'main',
  'other',
  'primary',
  'yardstick µs/ev',
  'main',
  'other',
  'yardstick ev/s',
  'svc÷yard',
  'direct µs/ev',
  'JSON floor µs/ev',
  'errors',
];

function row(cell: Cell, workers: number): string[] {
  const svc = cell.servers[nameOf('service', workers)];
  const yard = cell.servers[nameOf('yardstick', workers)];
  const floor = cell.jsonFloor.parseUs + cell.jsonFloor.stringifyUs;
  return [
    String(workers),
    String(cell.concurrency),
    String(svc.eventsPerSecond),
    svc.p50Ms.toFixed(1),
    svc.p99Ms.toFixed(1),
    svc.cpuUsPerEvent.toFixed(1),
    svc.mainUsPerEvent.toFixed(1),
    svc.otherUsPerEvent.toFixed(1),
    workers > 1 ? svc.primaryUsPerEvent.toFixed(1) : '-',
    yard.cpuUsPerEvent.toFixed(1),
    yard.mainUsPerEvent.toFixed(1),
    yard.otherUsPerEvent.toFixed(1),
    String(yard.eventsPerSecond),
    `${(svc.cpuUsPerEvent / yard.cpuUsPerEvent).toFixed(2)}x`,
    cell.direct.cpuUsPerEvent.toFixed(1),
    floor.toFixed(1),
    `${svc.errors + yard.errors}${svc.retryableJobs ? ` (${svc.retryableJobs} retryable jobs)` : ''}`,
  ];
}

function tables(cells: Cell[], loads: Workload[], workerCounts: number[]): string[] {
  return loads.flatMap((load) => {
    const at = cells.filter((c) => c.format === load.format && c.mode === load.mode);
    const bytes = Math.round(load.bodies[0].length / BATCH);
    return [
      '',
      `${load.format} payload (${bytes} bytes/event), ${load.mode} write mode`,
      ...columns(
        HEADER,
        workerCounts.flatMap((w) => at.map((c) => row(c, w))),
      ),
    ];
  });
}

function coldLines(cold: Record<string, Figures>, cells: Cell[]): string[] {
  return Object.entries(cold).map(([name, f]) => {
    const warm = cells.find((c) => c.format === 'compacted' && c.mode === 'record' && c.concurrency === 4);
    const warmFig = name === 'direct' ? warm?.direct : warm?.servers[name];
    const warmText = warmFig
      ? `; warm at concurrency 4: ${warmFig.cpuUsPerEvent.toFixed(1)} µs/event, ${warmFig.eventsPerSecond} events/s`
      : '';
    return (
      `  ${name.padEnd(13)} ${String(f.events).padStart(6)} events: ${String(f.eventsPerSecond).padStart(6)} events/s, ` +
      `p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, ${f.cpuUsPerEvent.toFixed(1)} µs/event ` +
      `(main ${f.mainUsPerEvent.toFixed(1)} + other ${(f.otherUsPerEvent + f.primaryUsPerEvent).toFixed(1)})${warmText}`
    );
  });
}

/** Cores busy while each service ran, by process, averaged over the cells of a concurrency. */
function machineLines(cells: Cell[], workerCounts: number[]): string[] {
  return workerCounts.flatMap((workers) =>
    LEVELS.map(({ concurrency }) => {
      const at = cells.filter((c) => c.concurrency === concurrency);
      const figs = serverFigures(at, nameOf('service', workers));
      const seconds = sumOf(figs, (f) => f.seconds);
      const avg = (k: keyof Cores) => (sumOf(figs, (f) => f.cores[k] * f.seconds) / seconds).toFixed(2);
      return (
        `  service ×${workers}, concurrency ${String(concurrency).padStart(2)}: service ${avg('measured')}, ` +
        `simulator ${avg('simulator')}, load client ${avg('loadClient')}, other processes ${avg('others')} cores`
      );
    }),
  );
}

/** What the service's log holds: lines by message, and per request sent to it. */
function logSummary(target: Target): Record<string, unknown> {
  const text = target.logFile ? readFileSync(target.logFile, 'utf8') : '';
  const lines = text.split('\n').filter(Boolean);
  const byMessage: Record<string, number> = {};
  for (const line of lines) {
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '(other)';
    byMessage[msg] = (byMessage[msg] ?? 0) + 1;
  }
  return {
    lines: lines.length,
    bytes: Buffer.byteLength(text),
    requests: target.requestsSent,
    linesPerRequest: round(lines.length / Math.max(1, target.requestsSent), 2),
    bytesPerRequest: Math.round(Buffer.byteLength(text) / Math.max(1, target.requestsSent)),
    byMessage,
  };
}

/** `process_cpu_seconds_total` of the service's /metrics (with workers: the primary's sum over them). */
async function metricsCpuSeconds(target: Target): Promise<number> {
  const text = await (await fetch(`${target.url}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/**
 * With workers, check the cluster's /metrics against /proc over the whole measured phase: its
 * `process_cpu_seconds_total` should be the sum over the workers (the primary is not in it).
 */
async function metricsCheck<T>(
  targets: Target[],
  fn: () => Promise<T>,
): Promise<{ value: T; lines: string[] }> {
  const clustered = targets.filter((t) => t.kind === 'service' && t.workers > 1);
  const before = await Promise.all(clustered.map((t) => metricsCpuSeconds(t)));
  const procBefore = clustered.map((t) => t.workerPids.map(processCpu));
  const value = await fn();
  const procAfter = clustered.map((t) => t.workerPids.map(processCpu));
  const after = await Promise.all(clustered.map((t) => metricsCpuSeconds(t)));
  const lines = clustered.map((t, i) => {
    const fromProc = cpuBetween(procBefore[i], procAfter[i]);
    const proc = (fromProc.mainUs + fromProc.otherUs) / 1e6;
    return (
      `  ${t.name}: /metrics process_cpu_seconds_total grew ${(after[i] - before[i]).toFixed(2)} s; ` +
      `/proc of its ${t.workers} workers: ${proc.toFixed(2)} s`
    );
  });
  return { value, lines };
}

function verdictLines(verdicts: Verdict[]): string[] {
  return verdicts.map(
    (v) =>
      `  ${v.pass ? 'PASS' : 'FAIL'}  ${v.name.padEnd(58)} ${v.value.toFixed(2).padStart(6)}  (want ${v.limit}; ${v.detail})`,
  );
}

const NOTES = [
  'service: src/server/main.ts as npm start runs it (WORKERS=1 or 2, LOG_LEVEL unset: info), its log written to a file',
  'yardstick: node:http + JSON.parse + processRouterDest + JSON.stringify, nothing else; with 2 workers a node:cluster like the service',
  'direct: processRouterDest called in the load process on the same batches (concurrency = that many batches in flight)',
  "CPU per event: utime+stime from /proc/<pid>/stat of every process of the server (a cluster: its workers and its primary) over the timed runs; main = the workers' main (JavaScript) threads, from /proc/<pid>/task/<pid>/stat; other = their other threads (GC, compiler, libuv pool); primary = the cluster primary, all threads",
  "JSON floor: JSON.parse of the same request bodies + JSON.stringify of the service's replies, nothing else: what any HTTP layer must add to the direct cost",
  `warm: every server process answered its first ${COLD_EVENTS} events (timed on their own: the cold phase, compacted payload, record mode, concurrency ${COLD_CONCURRENCY}) and at least ${WARM_EVENTS} events over every format and write mode before any timed run`,
  "each cell: alternating rounds of every server and the direct path, summed; events/s and latency are the service's",
  "events carry every field of rudder-server's job metadata (types.JobMetadataT) in both payload formats",
  "ceiling (scaling target): the machine's cores over the CPU per event of the service, the simulator and the load client with 2 workers, as events/s, over 1 worker's events/s: 2 workers cannot gain more on this machine while the simulator and the client share it",
];

// ------------------------------------------------------------------------------------------ main

async function seedLeads(sim: SimProcess): Promise<void> {
  const rows = Array.from({ length: EXISTING_LEADS }, (_, i) => ({
    Email: `existing${i}@bench.test`,
    LastName: `Existing ${i}`,
    Company: 'Bench Inc',
  }));
  await sim.seed('Lead', rows);
}

/** Every server, started at once: per worker count, the service then the yardstick. */
async function startServers(opts: Options, dir: string): Promise<Target[]> {
  const starting = opts.workers.flatMap((w) => [
    startService(w, dir, opts.profile),
    startYardstick(w, opts.profile),
  ]);
  const settled = await Promise.allSettled(starting);
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((t) => t.close()));
    throw failed.reason;
  }
  return started;
}

async function measureAll(
  servers: Target[],
  loads: Workload[],
  opts: Options,
  simPid: number,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const load of loads) {
    for (const level of LEVELS) {
      process.stderr.write(
        `  measuring ${load.format} payload, ${load.mode} mode, concurrency ${level.concurrency}\n`,
      );
      cells.push(await measureCell(servers, load, level, opts, simPid));
    }
  }
  return cells;
}

interface Measured {
  loads: Workload[];
  servers: Target[];
  cold: Record<string, Figures>;
  cells: Cell[];
  metricsLines: string[];
  apiCalls: unknown;
}

async function measure(opts: Options, sim: SimProcess, dir: string): Promise<Measured> {
  await seedLeads(sim);
  const largest = Math.max(
    ...LEVELS.map((l) => Math.max(l.concurrency, Math.round(l.requests * opts.scale))),
  );
  const loads = workloads(opts, sim, largest);
  const servers = await startServers(opts, dir);
  try {
    const cold: Record<string, Figures> = {};
    for (const target of servers) {
      process.stderr.write(`  cold phase and warm-up: ${target.name}\n`);
      cold[target.name] = await coldThenWarm(target, loads, sim.pid);
    }
    cold.direct = await directColdThenWarm(loads, sim.pid);
    const measured = await metricsCheck(servers, () => measureAll(servers, loads, opts, sim.pid));
    const apiCalls = (await sim.counters()).byEndpoint;
    return { loads, servers, cold, cells: measured.value, metricsLines: measured.lines, apiCalls };
  } finally {
    await Promise.all(servers.map((t) => t.close()));
  }
}

function report(opts: Options, m: Measured, seconds: number): { json: unknown; text: string } {
  const verdicts = [...scalingVerdicts(m.cells), ...cpuVerdicts(m.cells, opts.workers)];
  const logs = Object.fromEntries(m.servers.filter((t) => t.logFile).map((t) => [t.name, logSummary(t)]));
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model,
    batchSize: BATCH,
    rounds: opts.rounds,
    levels: LEVELS.map((l) => ({
      ...l,
      requests: Math.max(l.concurrency, Math.round(l.requests * opts.scale)),
    })),
    targets: TARGETS,
    workloads: m.loads.map((l) => ({
      format: l.format,
      mode: l.mode,
      requestBytesPerEvent: Math.round(l.bodies[0].length / BATCH),
    })),
    verdicts,
    cold: m.cold,
    cells: m.cells,
    metricsCheck: m.metricsLines.map((l) => l.trim()),
    serviceLogs: logs,
    simulatorApiCalls: m.apiCalls,
    totalSeconds: round(seconds, 1),
    notes: NOTES,
  };
  const logLines = Object.entries(logs).map(([name, l]) => `  ${name}: ${JSON.stringify(l)}`);
  const text = [
    `Load check: POST /routerTransform, ${BATCH} identify events per request (half existing Leads), router transform only, simulator on 127.0.0.1`,
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${opts.rounds} alternating rounds per cell`,
    ...NOTES.map((n) => `- ${n}`),
    ...tables(m.cells, m.loads, opts.workers),
    '',
    `Cold phase: each fresh process's first ${COLD_EVENTS} events (compacted payload, record mode, concurrency ${COLD_CONCURRENCY}), before the warm-up`,
    ...coldLines(m.cold, m.cells),
    '',
    'Cores busy during the service\'s timed runs (all formats and modes); "other processes" is load from outside this check',
    ...machineLines(m.cells, opts.workers),
    ...(m.metricsLines.length
      ? ['', 'Cluster /metrics against /proc, whole measured phase:', ...m.metricsLines]
      : []),
    '',
    'Service logs (info level, all phases):',
    ...logLines,
    `Simulator API calls: ${JSON.stringify(m.apiCalls)}`,
    '',
    'Targets:',
    ...verdictLines(verdicts),
    `Wrote ${opts.out} (${seconds.toFixed(0)} s)`,
    '',
  ].join('\n');
  return { json, text };
}

async function main(): Promise<void> {
  if (!procAvailable()) throw new Error('the load check reads CPU per process and thread from Linux /proc');
  const opts = options();
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'sf-load-'));
  const sim = await startSimProcess({ dailyApiLimit: 1_000_000_000 });
  try {
    const measured = await measure(opts, sim, dir);
    const { json, text } = report(opts, measured, (Date.now() - t0) / 1000);
    mkdirSync(join(opts.out, '..'), { recursive: true });
    writeFileSync(opts.out, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(text);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (arg('role', '') === 'bare') {
  bareRole().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
