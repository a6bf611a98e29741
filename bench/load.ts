/**
 * `npm run bench:load [-- --format compacted|full] [-- --seconds 20]`: a bounded load check of the HTTP service.
 *
 * Three processes, so each one's CPU is its own:
 * - the Salesforce simulator (a child: this file with `--role sim`), seeded with existing Leads;
 * - the service (a child: this file with `--role server`), whose CPU is read from its own `/metrics`
 *   (`process_cpu_seconds_total`) before and after each level;
 * - this process, the load client: router requests of 200 identify events (half existing Leads, half new) at
 *   concurrency 1, 4 and 16, each level bounded by a request count and a time limit.
 *
 * Then, in this process, `processRouterDest` is called directly on the same batches at the same concurrency, with
 * `process.cpuUsage` around it: the ratio of the two CPU costs per event is the HTTP layer's overhead (body parsing,
 * schema checks, grouping, serialisation, logging hooks, metrics). Both paths make the same Salesforce lookups.
 * Router transform only: nothing is delivered, so the org does not change between runs.
 *
 * Writes bench/results/load-latest.json and prints a table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { Destination, RouterInput } from '../src/framework/types';
import { buildServer } from '../src/server';
import { processRouterDest } from '../src/v0/destinations/salesforce/transform';
import { demoDestinationConfig, startSimulator } from '../tools/salesforce-sim';

const ROOT = resolve(__dirname, '..');
const BATCH = 200;
const LEVELS = [
  { concurrency: 1, requests: 30 },
  { concurrency: 4, requests: 80 },
  { concurrency: 16, requests: 160 },
];
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

async function simRole(): Promise<void> {
  const sim = await startSimulator({ port: 0, dailyApiLimit: 100_000_000 });
  for (let i = 0; i < EXISTING_LEADS; i++) {
    sim.state.seed('Lead', {
      Email: `existing${i}@bench.test`,
      LastName: `Existing ${i}`,
      Company: 'Bench Inc',
    });
  }
  process.stdout.write(`READY ${sim.url}\n`);
  onSigterm(() => sim.close());
}

interface Child {
  url: string;
  close(): Promise<void>;
}

/** This file in a child process with `--role <role>`; resolves once it prints its URL. */
async function startChild(role: 'server' | 'sim'): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', __filename, '--role', role], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`${role} did not start: ${stderr}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /READY (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function simCounters(sim: Child): Promise<Record<string, number>> {
  const res = await fetch(`${sim.url}/__admin/counters`);
  return ((await res.json()) as { byEndpoint: Record<string, number> }).byEndpoint;
}

// ------------------------------------------------------------------------------------------ workload

function destinationFor(sim: Child): Destination {
  return {
    ID: `bench-load-${randomUUID().slice(0, 8)}`,
    Name: 'Salesforce (load)',
    Enabled: true,
    WorkspaceID: 'bench',
    Config: demoDestinationConfig(sim.url, { writeMode: 'collections' }),
    DestinationDefinition: { Name: 'SALESFORCE', DisplayName: 'Salesforce' },
  };
}

/** Batch `b`: 200 identify events, every other one for an existing Lead. */
function batch(b: number, destination: Destination): RouterInput[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = b * BATCH + i;
    const email = i % 2 === 0 ? `existing${n % EXISTING_LEADS}@bench.test` : `new${n}@bench.test`;
    return {
      message: {
        type: 'identify',
        userId: `user-${n}`,
        messageId: `m-${n}`,
        integrations: { Salesforce: true },
        traits: { email, firstName: 'Load', lastName: `Test ${n}`, company: 'Bench Inc', title: `T${n % 7}` },
        context: { library: { name: 'rudder-sdk-node' } },
      },
      metadata: {
        jobId: n + 1,
        userId: `user-${n}`,
        destinationId: destination.ID,
        workspaceId: 'bench',
        attemptNum: 0,
      },
      destination,
    } as RouterInput;
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
  serverCpuMsPerEvent: number;
  directCpuMsPerEvent: number;
  directEventsPerSecond: number;
  httpOverheadRatio: number;
}

async function httpLevel(
  server: Child,
  bodies: string[],
  format: 'compacted' | 'full',
  concurrency: number,
  deadline: number,
): Promise<Omit<LevelResult, 'directCpuMsPerEvent' | 'directEventsPerSecond' | 'httpOverheadRatio'>> {
  const latencies: number[] = [];
  let errors = 0;
  let retryableJobs = 0;
  const cpuBefore = await serverCpuSeconds(server.url);
  const started = performance.now();
  const requests = await pool(bodies, concurrency, deadline, async (body) => {
    const t0 = performance.now();
    try {
      const res = await fetch(`${server.url}/routerTransform`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(format === 'compacted' ? { 'x-content-format': 'json+compactedv1' } : {}),
        },
        body,
      });
      const json = (await res.json()) as { output?: { statusCode: number; metadata: unknown[] }[] };
      latencies.push(performance.now() - t0);
      if (res.status !== 200 || !Array.isArray(json.output)) errors += 1;
      else
        for (const e of json.output)
          if (e.statusCode >= 500 || e.statusCode === 429) retryableJobs += e.metadata.length;
    } catch {
      errors += 1;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await serverCpuSeconds(server.url)) - cpuBefore;
  const events = requests * BATCH;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    requests,
    events,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(events / seconds),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    errors,
    retryableJobs,
    serverCpuMsPerEvent: round((cpu * 1000) / Math.max(1, events), 4),
  };
}

async function directLevel(batches: RouterInput[][], concurrency: number, deadline: number) {
  const before = process.cpuUsage();
  const started = performance.now();
  const n = await pool(batches, concurrency, deadline, async (inputs) => {
    await processRouterDest(inputs, { namespace: 'Unknown', cluster: 'Unknown', features: {} });
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(before);
  const events = n * BATCH;
  return {
    cpuMsPerEvent: (used.user + used.system) / 1000 / Math.max(1, events),
    eventsPerSecond: Math.round(events / seconds),
  };
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

  const [sim, server] = await Promise.all([startChild('sim'), startChild('server')]);
  try {
    const destination = destinationFor(sim);
    const total = Math.max(...LEVELS.map((l) => l.requests));
    const batches = Array.from({ length: total }, (_, b) => batch(b, destination));
    const bodies = batches.map((inputs) => requestBody(inputs, destination, format));

    // Warm-up: sign-in, describe caches and JIT on both paths.
    await httpLevel(server, bodies.slice(0, 4), format, 2, Date.now() + 30_000);
    await directLevel(batches.slice(0, 4), 2, Date.now() + 30_000);

    const results: LevelResult[] = [];
    for (const level of LEVELS) {
      const http = await httpLevel(
        server,
        bodies.slice(0, level.requests),
        format,
        level.concurrency,
        Date.now() + levelSeconds * 1000,
      );
      const direct = await directLevel(
        batches.slice(0, http.requests),
        level.concurrency,
        Date.now() + levelSeconds * 1000,
      );
      results.push({
        ...http,
        directCpuMsPerEvent: round(direct.cpuMsPerEvent, 4),
        directEventsPerSecond: direct.eventsPerSecond,
        httpOverheadRatio: round(http.serverCpuMsPerEvent / direct.cpuMsPerEvent, 2),
      });
    }
    const apiCalls = await simCounters(sim);

    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      batchSize: BATCH,
      requestFormat: format,
      writeMode: 'collections',
      workload: 'router transform only (no delivery); 200 identify events per request, half existing Leads',
      levels: results,
      simulatorApiCalls: apiCalls,
      totalSeconds: round((Date.now() - t0) / 1000, 1),
      notes: [
        'serverCpuMsPerEvent: the service process CPU (process_cpu_seconds_total from its /metrics) per event, lookups included',
        'directCpuMsPerEvent: processRouterDest called in the load process on the same batches, process.cpuUsage',
        'httpOverheadRatio = serverCpuMsPerEvent / directCpuMsPerEvent',
        'service logging at warn level',
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
      'srv CPU ms/ev',
      'direct CPU ms/ev',
      'HTTP overhead',
    ];
    const rows = results.map((r) => [
      String(r.concurrency),
      String(r.requests),
      String(r.eventsPerSecond),
      r.p50Ms.toFixed(1),
      r.p99Ms.toFixed(1),
      String(r.errors),
      String(r.retryableJobs),
      r.serverCpuMsPerEvent.toFixed(3),
      r.directCpuMsPerEvent.toFixed(3),
      `${r.httpOverheadRatio.toFixed(2)}x`,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
    process.stdout.write(
      [
        `Load check: POST /routerTransform (${format} payload), ${BATCH} events per request, simulator on 127.0.0.1`,
        line(header),
        line(widths.map((w) => '-'.repeat(w))),
        ...rows.map(line),
        `Simulator API calls: ${JSON.stringify(apiCalls)}`,
        `Wrote ${out} (${report.totalSeconds} s)`,
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all([server.close(), sim.close()]);
  }
}

const role = arg('role', '');
if (role === 'server' || role === 'sim') {
  (role === 'server' ? serverRole() : simRole()).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
