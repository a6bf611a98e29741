/**
 * `npm run bench:load [-- --format compacted|full] [-- --seconds 20] [-- --profile DIR]`: a bounded load check of
 * the HTTP service.
 *
 * Four processes, so each one's CPU is its own:
 * - the Salesforce simulator (bench/simProcess.ts), seeded with existing Leads;
 * - the service (this file with `--role server`), whose CPU is read from its own `/metrics`
 *   (`process_cpu_seconds_total`) before and after each run;
 * - the yardstick (this file with `--role bare`): the least server that could answer the route;
 * - this process, the load client: router requests of 200 identify events (half existing Leads, half new) at
 *   concurrency 1, 4 and 16, each level bounded by a request count and a time limit.
 *
 * Each level alternates rounds of the service, the yardstick, and `processRouterDest` called in this process on the
 * same batches with `process.cpuUsage` around it: the ratio of the CPU costs per event is the HTTP layer's
 * overhead. All paths make the same Salesforce lookups. Router transform only: nothing is delivered, so the org
 * does not change between runs.
 *
 * Writes bench/results/load-latest.json and prints a table.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { Destination, RouterInput } from '../src/framework/types';
import { buildServer } from '../src/server';
import { processRouterDest } from '../src/v0/destinations/salesforce/transform';
import { expandCompacted, type CompactedBody } from '../src/server/inputs';
import { demoDestinationConfig } from '../tools/salesforce-sim';
import { startChildService, startSimProcess, type ChildService } from './simProcess';
import { identify, makeDestination } from './workload';

const ROOT = resolve(__dirname, '..');
const BATCH = 200;
const LEVELS = [
  { concurrency: 1, requests: 40 },
  { concurrency: 4, requests: 80 },
  { concurrency: 16, requests: 160 },
];
/** Each level runs the HTTP path and the direct path this many times, alternating. */
const ROUNDS = 3;
/** Requests per path before measuring: sign-in, describe caches and JIT. */
const WARM_UP = 40;
const EXISTING_LEADS = 5000;

// ------------------------------------------------------------------------------------------ child roles

function onSigterm(close: () => Promise<void>): void {
  process.once('SIGTERM', () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

async function serverRole(): Promise<void> {
  // Logging at warn: the per-request info lines would measure the pipe to this benchmark, not the service.
  const app = buildServer({ log: { level: 'warn' } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
  onSigterm(() => app.close());
}

/**
 * The yardstick: the least HTTP server that could answer this route. node:http, `JSON.parse` of the body, the
 * compacted destinations put back, `processRouterDest`, `JSON.stringify` of the reply; no validation, grouping,
 * metrics, logs or error handling. It serves only the load check's own well-formed batches. Its CPU per event, over
 * the direct path's, is the lowest HTTP overhead any service can reach on this workload and machine.
 */
async function bareRole(): Promise<void> {
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      const used = process.cpuUsage();
      res.end(`process_cpu_seconds_total ${(used.user + used.system) / 1e6}\n`);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CompactedBody;
      const inputs = (body.destinations ? expandCompacted(body) : body.input) as RouterInput[];
      processRouterDest(inputs, { namespace: 'Unknown', cluster: 'Unknown', features: {} }).then(
        (output) => {
          const text = JSON.stringify({ output });
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
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
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
  onSigterm(() => {
    server.closeAllConnections();
    return new Promise<void>((closed) => server.close(() => closed()));
  });
}

type Role = 'server' | 'bare';

/** This file in a child process with `--role <role>`; resolves once it prints its URL. */
function startChild(role: Role): Promise<ChildService> {
  // `--profile DIR` writes a V8 CPU profile of the service (open it in Chrome DevTools) to find where its time goes.
  const profile = role === 'server' ? arg('profile', '') : '';
  const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(ROOT, profile)] : [];
  return startChildService(__filename, ['--role', role], /READY (http:\/\/127\.0\.0\.1:\d+)/, nodeArgs);
}

/** Batch `b`: 200 identify events, every other one for an existing Lead. */
function batch(b: number, destination: Destination): RouterInput[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = b * BATCH + i;
    const email = i % 2 === 0 ? `existing${n % EXISTING_LEADS}@bench.test` : `new${n}@bench.test`;
    return identify(destination, {
      jobId: n + 1,
      userId: `user-${n}`,
      traits: { email, firstName: 'Load', lastName: `Test ${n}`, company: 'Bench Inc', title: `T${n % 7}` },
    });
  });
}

/** The request body rudder-server would send: compacted (our /features advertises it) or one destination per input. */
function requestBody(inputs: RouterInput[], destination: Destination, format: 'compacted' | 'full'): string {
  if (format === 'full') return JSON.stringify({ destType: 'salesforce', input: inputs });
  return JSON.stringify({
    destType: 'salesforce',
    input: inputs.map(({ message, metadata }) => ({ message, metadata })),
    destinations: { [destination.ID]: destination },
    connections: {},
  });
}

// ------------------------------------------------------------------------------------------ measurement

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function serverCpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^process_cpu_seconds_total (\S+)$/m.exec(text);
  if (!match) throw new Error('process_cpu_seconds_total missing from /metrics');
  return Number(match[1]);
}

async function pool<T>(
  items: T[],
  concurrency: number,
  deadline: number,
  fn: (item: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length && Date.now() < deadline) {
        const item = items[next++];
        await fn(item);
        done += 1;
      }
    }),
  );
  return done;
}

interface LevelResult {
  concurrency: number;
  requests: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Jobs answered with a retryable status (5xx/429): the service or the org could not keep up. */
  retryableJobs: number;
  serverCpuUsPerEvent: number;
  directCpuUsPerEvent: number;
  directEventsPerSecond: number;
  /** serverCpuUsPerEvent − directCpuUsPerEvent: what the HTTP layer costs per event. */
  httpCpuUsPerEvent: number;
  httpOverheadRatio: number;
  /** The bare yardstick server on the same batches: CPU per event, and over the direct path's. */
  bareCpuUsPerEvent: number;
  bareOverheadRatio: number;
}

/**
 * POST one body on a keep-alive connection and return the raw reply. The load client stays light (node:http, no
 * parsing while the level runs) so that it takes as little CPU as it can from the service it measures: on a
 * 2-core machine the three processes share the cores.
 */
function post(
  agent: Agent,
  url: URL,
  body: Buffer,
  format: 'compacted' | 'full',
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolvePost, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: '/routerTransform',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          ...(format === 'compacted' ? { 'x-content-format': 'json+compactedv1' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface RouterReply {
  output?: { statusCode: number; metadata: unknown[] }[];
}

interface HttpRun {
  requests: number;
  seconds: number;
  latencies: number[];
  errors: number;
  retryableJobs: number;
  serverCpuSeconds: number;
  /** The parsed replies, for the JSON floor. */
  replies: RouterReply[];
}

async function httpRun(
  server: ChildService,
  bodies: Buffer[],
  format: 'compacted' | 'full',
  concurrency: number,
  deadline: number,
): Promise<HttpRun> {
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const raw: { status: number; body: Buffer }[] = [];
  let errors = 0;
  const cpuBefore = await serverCpuSeconds(server.url);
  const started = performance.now();
  const requests = await pool(bodies, concurrency, deadline, async (body) => {
    const t0 = performance.now();
    try {
      raw.push(await post(agent, url, body, format));
      latencies.push(performance.now() - t0);
    } catch {
      errors += 1;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = (await serverCpuSeconds(server.url)) - cpuBefore;
  agent.destroy();
  // Checked after the timed window, so the check costs the service nothing.
  let retryableJobs = 0;
  const replies: RouterReply[] = [];
  for (const reply of raw) {
    try {
      const json = JSON.parse(reply.body.toString('utf8')) as RouterReply;
      if (reply.status !== 200 || !Array.isArray(json.output)) {
        errors += 1;
        continue;
      }
      replies.push(json);
      for (const e of json.output)
        if (e.statusCode >= 500 || e.statusCode === 429) retryableJobs += e.metadata.length;
    } catch {
      errors += 1;
    }
  }
  return { requests, seconds, latencies, errors, retryableJobs, serverCpuSeconds: serverCpu, replies };
}

async function directRun(batches: RouterInput[][], concurrency: number, deadline: number) {
  const before = process.cpuUsage();
  const started = performance.now();
  const requests = await pool(batches, concurrency, deadline, async (inputs) => {
    await processRouterDest(inputs, { namespace: 'Unknown', cluster: 'Unknown', features: {} });
  });
  const used = process.cpuUsage(before);
  return {
    requests,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

/**
 * One concurrency level: the HTTP path and the direct path in alternating rounds (so a slow spell of this shared
 * machine falls on both), summed.
 */
async function level(
  servers: { service: ChildService; bare: ChildService },
  bodies: Buffer[],
  batches: RouterInput[][],
  format: 'compacted' | 'full',
  concurrency: number,
  levelSeconds: number,
): Promise<{ result: LevelResult; replies: RouterReply[] }> {
  const http: HttpRun[] = [];
  const bare: HttpRun[] = [];
  const direct: Awaited<ReturnType<typeof directRun>>[] = [];
  const deadline = () => Date.now() + levelSeconds * 1000;
  for (let round = 0; round < ROUNDS; round++) {
    const run = await httpRun(servers.service, bodies, format, concurrency, deadline());
    http.push(run);
    bare.push(await httpRun(servers.bare, bodies.slice(0, run.requests), format, concurrency, deadline()));
    direct.push(await directRun(batches.slice(0, run.requests), concurrency, deadline()));
  }
  const sum = <T>(runs: T[], f: (r: T) => number) => runs.reduce((acc, r) => acc + f(r), 0);
  const cpuUs = (runs: HttpRun[]) =>
    (sum(runs, (r) => r.serverCpuSeconds) * 1e6) / Math.max(1, sum(runs, (r) => r.requests) * BATCH);
  const requests = sum(http, (r) => r.requests);
  const events = requests * BATCH;
  const seconds = sum(http, (r) => r.seconds);
  const directEvents = sum(direct, (r) => r.requests) * BATCH;
  const serverUs = cpuUs(http);
  const bareUs = cpuUs(bare);
  const directUs = (sum(direct, (r) => r.cpuSeconds) * 1e6) / Math.max(1, directEvents);
  const latencies = http.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    result: {
      concurrency,
      requests,
      events,
      seconds: round(seconds, 2),
      eventsPerSecond: Math.round(events / seconds),
      p50Ms: round(percentile(latencies, 50), 1),
      p99Ms: round(percentile(latencies, 99), 1),
      errors: sum(http, (r) => r.errors) + sum(bare, (r) => r.errors),
      retryableJobs: sum(http, (r) => r.retryableJobs),
      serverCpuUsPerEvent: round(serverUs, 1),
      directCpuUsPerEvent: round(directUs, 1),
      directEventsPerSecond: Math.round(directEvents / sum(direct, (r) => r.seconds)),
      httpCpuUsPerEvent: round(serverUs - directUs, 1),
      httpOverheadRatio: round(serverUs / directUs, 2),
      bareCpuUsPerEvent: round(bareUs, 1),
      bareOverheadRatio: round(bareUs / directUs, 2),
    },
    replies: http.flatMap((r) => r.replies),
  };
}

/**
 * The least any HTTP layer can add: parsing the request bodies and serialising the replies, with V8's own JSON and
 * nothing else, measured here on the same bodies and replies (CPU µs per event).
 */
function jsonFloor(bodies: Buffer[], replies: RouterReply[]): { parseUs: number; serializeUs: number } {
  const texts = bodies.map((b) => b.toString('utf8'));
  const measure = (fn: () => void): number => {
    fn(); // warm-up pass
    const passes = 5;
    const before = process.cpuUsage();
    for (let i = 0; i < passes; i++) fn();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / passes;
  };
  const parseUs = measure(() => texts.forEach((t) => JSON.parse(t))) / (texts.length * BATCH);
  const serializeUs = measure(() => replies.forEach((r) => JSON.stringify(r))) / (replies.length * BATCH);
  return { parseUs: round(parseUs, 2), serializeUs: round(serializeUs, 2) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const format = arg('format', 'compacted') === 'full' ? 'full' : 'compacted';
  const levelSeconds = Number(arg('seconds', '20'));
  const out = resolve(ROOT, arg('out', 'bench/results/load-latest.json'));
  const t0 = Date.now();

  const [sim, server, bare] = await Promise.all([
    startSimProcess({ dailyApiLimit: 100_000_000 }),
    startChild('server'),
    startChild('bare'),
  ]);
  try {
    await sim.seed(
      'Lead',
      Array.from({ length: EXISTING_LEADS }, (_, i) => ({
        Email: `existing${i}@bench.test`,
        LastName: `Existing ${i}`,
        Company: 'Bench Inc',
      })),
    );
    const destination = makeDestination(
      `bench-load-${randomUUID().slice(0, 8)}`,
      demoDestinationConfig(sim.url, { writeMode: 'collections' }),
    );
    const total = Math.max(WARM_UP, ...LEVELS.map((l) => l.requests));
    const batches = Array.from({ length: total }, (_, b) => batch(b, destination));
    const bodies = batches.map((inputs) => Buffer.from(requestBody(inputs, destination, format)));

    await httpRun(server, bodies.slice(0, WARM_UP), format, 2, Date.now() + 60_000);
    await httpRun(bare, bodies.slice(0, WARM_UP), format, 2, Date.now() + 60_000);
    await directRun(batches.slice(0, WARM_UP), 2, Date.now() + 60_000);

    const results: LevelResult[] = [];
    let replies: RouterReply[] = [];
    for (const { concurrency, requests } of LEVELS) {
      const measured = await level(
        { service: server, bare },
        bodies.slice(0, requests),
        batches,
        format,
        concurrency,
        levelSeconds,
      );
      results.push(measured.result);
      if (!replies.length) replies = measured.replies;
    }
    const floor = jsonFloor(bodies.slice(0, replies.length), replies);
    const directUs = Math.min(...results.map((r) => r.directCpuUsPerEvent));
    const floorRatio = round((directUs + floor.parseUs + floor.serializeUs) / directUs, 2);
    const apiCalls = (await sim.counters()).byEndpoint;

    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      batchSize: BATCH,
      requestFormat: format,
      requestBytesPerEvent: Math.round(bodies[0].length / BATCH),
      writeMode: 'collections',
      workload: 'router transform only (no delivery); 200 identify events per request, half existing Leads',
      levels: results,
      jsonFloor: { ...floor, floorRatio },
      simulatorApiCalls: apiCalls,
      totalSeconds: round((Date.now() - t0) / 1000, 1),
      notes: [
        `each level: ${ROUNDS} alternating rounds of the HTTP path and the direct path, summed; ${WARM_UP} warm-up requests per path before`,
        'serverCpuUsPerEvent: the service process CPU (process_cpu_seconds_total from its /metrics) per event, lookups included',
        'directCpuUsPerEvent: processRouterDest called in the load process on the same batches, process.cpuUsage',
        'httpOverheadRatio = serverCpuUsPerEvent / directCpuUsPerEvent',
        'bare: a yardstick server in its own process (node:http, JSON.parse, processRouterDest, JSON.stringify, nothing else) on the same batches; bareOverheadRatio = bareCpuUsPerEvent / directCpuUsPerEvent',
        'jsonFloor: JSON.parse of the same request bodies and JSON.stringify of the replies, nothing else; floorRatio = (lowest directCpuUsPerEvent + both) / that direct cost: the lowest ratio any HTTP layer could reach on this workload and machine',
        'service logging at warn level; the load client reads replies only after each timed window',
      ],
    };
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

    const header = [
      'conc',
      'requests',
      'events/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'retry jobs',
      'srv CPU µs/ev',
      'direct CPU µs/ev',
      'HTTP µs/ev',
      'HTTP overhead',
      'bare µs/ev',
      'bare overhead',
    ];
    const rows = results.map((r) => [
      String(r.concurrency),
      String(r.requests),
      String(r.eventsPerSecond),
      r.p50Ms.toFixed(1),
      r.p99Ms.toFixed(1),
      String(r.errors),
      String(r.retryableJobs),
      r.serverCpuUsPerEvent.toFixed(1),
      r.directCpuUsPerEvent.toFixed(1),
      r.httpCpuUsPerEvent.toFixed(1),
      `${r.httpOverheadRatio.toFixed(2)}x`,
      r.bareCpuUsPerEvent.toFixed(1),
      `${r.bareOverheadRatio.toFixed(2)}x`,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
    process.stdout.write(
      [
        `Load check: POST /routerTransform (${format} payload, ${report.requestBytesPerEvent} bytes/event), ${BATCH} events per request, simulator on 127.0.0.1`,
        line(header),
        line(widths.map((w) => '-'.repeat(w))),
        ...rows.map(line),
        `JSON floor: JSON.parse of the requests ${floor.parseUs.toFixed(2)} µs/event + JSON.stringify of the replies ${floor.serializeUs.toFixed(2)} µs/event` +
          ` = ${floorRatio.toFixed(2)}x the direct cost at best, before any HTTP`,
        `Simulator API calls: ${JSON.stringify(apiCalls)}`,
        `Wrote ${out} (${report.totalSeconds} s)`,
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all([server.close(), bare.close(), sim.close()]);
  }
}

const role = arg('role', '');
if (role === 'server' || role === 'bare') {
  ({ server: serverRole, bare: bareRole })[role]().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
