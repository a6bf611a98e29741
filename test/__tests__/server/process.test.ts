/**
 * The service as it runs in production: started by `npm start`, stopped by a signal. Every wait is for an event (a
 * log line, a request reaching the stand-in Salesforce, a process exit); every process started is killed in
 * afterAll, whatever happened.
 */
import { INSTANCE, leadCreateDescriptor, meta } from './fixtures';
import { createServer } from 'node:net';
import {
  freshRequest,
  isRunning,
  killAll,
  remember,
  start,
  startGate,
  type Gate,
  type Reply,
  type Started,
} from './processes';

/** Starting a process compiles the TypeScript first: allow for a slow, shared machine. */
const PROCESS_TEST_MS = 90_000;

afterAll(() => killAll());

const created = { status: 201, body: { id: '00Q5g000001NEWWEA0', success: true, errors: [] } };

/** A proxy v1 delivery whose Salesforce is the gate: the request stays in flight until the gate is released. */
function deliverThrough(address: string, gate: Gate): Promise<Response> {
  const descriptor = leadCreateDescriptor({ LastName: 'InFlight' });
  return fetch(`${address}/v1/destinations/salesforce/proxy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...descriptor,
      endpoint: descriptor.endpoint.replace(INSTANCE, gate.url),
      metadata: [meta(1)],
      destinationConfig: {},
    }),
  });
}

async function jobStatuses(res: Response): Promise<number[]> {
  const body = (await res.json()) as { output: { response: { statusCode: number }[] } };
  return body.output.response.map((r) => r.statusCode);
}

const LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;

describe('npm start', () => {
  let service: Started;
  let gate: Gate;
  afterAll(async () => gate?.close());

  it(
    'stops every process it started on SIGTERM to npm itself, after the in-flight request completes',
    async () => {
      service = start('npm', ['start'], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKERS: '1' });
      const [, address] = await service.line(LISTENING);
      const tree = remember(service.pid);
      expect(tree.length).toBeGreaterThanOrEqual(2); // npm and the service

      const health = await fetch(`${address}/health`);
      expect(health.status).toBe(200);

      gate = await startGate(created);
      const inFlight = deliverThrough(address, gate);
      inFlight.catch(() => undefined); // awaited below; a failure before that must not go unhandled
      await gate.arrived;
      process.kill(service.pid, 'SIGTERM');
      await service.line(/"msg":"stopping: no new connections, waiting for in-flight requests"/);
      gate.release();

      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await jobStatuses(res)).toEqual([200]);
      expect(await service.exited).toEqual({ code: 0, signal: null });
      expect(tree.filter(isRunning)).toEqual([]);
      expect(service.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    },
    PROCESS_TEST_MS,
  );
});

/** The service run directly (what `npm start` execs), with `env`. */
const service = (env: Record<string, string>) =>
  start(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });

const workerOf = (reply: Reply) => Number(reply.headers['x-worker-pid']);

/** Send `request` on fresh connections until replies came from `count` distinct workers; returns every reply. */
async function untilWorkers(count: number, request: () => Promise<Reply>, except: number[] = []) {
  const replies: Reply[] = [];
  // The primary hands connections round-robin; 20 tries without reaching every worker would be a bug.
  for (let i = 0; i < 20; i++) {
    replies.push(await request());
    const workers = new Set(replies.map(workerOf).filter((pid) => !except.includes(pid)));
    if (workers.size >= count) return replies;
  }
  throw new Error(`replies came from ${[...new Set(replies.map(workerOf))].join(', ')} only`);
}

/** `{"msg": ...}` of a JSON log line, with the line's pid. */
const logLine = (msg: string, pid?: number) =>
  new RegExp(`^\\{.*${pid === undefined ? '' : `"pid":${pid},`}.*"msg":"${msg}"`);

describe('WORKERS', () => {
  let cluster: Started;
  let gate: Gate;
  afterAll(async () => gate?.close());

  it(
    'runs a cluster of 2 full services on one port: both answer, metrics add up, a dead worker is replaced, SIGTERM stops all',
    async () => {
      cluster = service({ WORKERS: '2' });
      const ready = await cluster.line(logLine('all workers listening'));
      const address = (JSON.parse(ready.input) as { address: string }).address;
      const firstTree = remember(cluster.pid);
      expect(firstTree).toHaveLength(3); // the primary and 2 workers

      // Both workers answer /health; the router requests they answer are counted in one /metrics, whichever
      // worker gets the scrape.
      const health = await untilWorkers(2, () => freshRequest(`${address}/health`));
      expect(health.every((r) => r.status === 200)).toBe(true);
      const routed = await untilWorkers(2, () =>
        freshRequest(`${address}/routerTransform`, { destType: 'salesforce', input: [] }),
      );
      const [first, second] = [...new Set(routed.map(workerOf))];
      expect(firstTree).toEqual(expect.arrayContaining([first, second]));
      const scrape = await freshRequest(`${address}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.body).toContain(
        `sf_destination_jobs_total{feature="router",destination="salesforce",outcome="aborted",status_class="4xx"} ${routed.length}\n`,
      );

      // A worker that dies is replaced, with a log line; the service keeps answering.
      const beforeDeath = cluster.lines.length;
      process.kill(first, 'SIGKILL');
      await cluster.line(logLine('worker died unexpectedly; starting a new one'), beforeDeath);
      await cluster.line(logLine('worker listening'), beforeDeath);
      const secondTree = remember(cluster.pid);
      const replaced = await untilWorkers(1, () => freshRequest(`${address}/health`), [second]);
      const replacement = workerOf(replaced[replaced.length - 1]);
      expect(secondTree).toEqual(expect.arrayContaining([replacement, second]));
      expect(isRunning(first)).toBe(false);

      // SIGTERM to the primary: every worker finishes its in-flight request, then everything exits 0.
      gate = await startGate(created);
      const inFlight = deliverThrough(address, gate);
      inFlight.catch(() => undefined); // awaited below; a failure before that must not go unhandled
      await gate.arrived;
      process.kill(cluster.pid, 'SIGTERM');
      for (const pid of [second, replacement]) {
        await cluster.line(logLine('stopping: no new connections, waiting for in-flight requests', pid));
      }
      gate.release();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await jobStatuses(res)).toEqual([200]);
      expect(await cluster.exited).toEqual({ code: 0, signal: null });
      expect([...firstTree, ...secondTree].filter(isRunning)).toEqual([]);
      expect(cluster.lines.some((l) => /"role":"primary".*"msg":"stopped"/.test(l))).toBe(true);
    },
    PROCESS_TEST_MS,
  );

  it(
    'stops with exit code 1, naming the variable, when WORKERS is not a count',
    async () => {
      const bad = service({ WORKERS: 'lots' });
      expect(await bad.exited).toEqual({ code: 1, signal: null });
      expect(bad.stderr()).toContain('WORKERS must be a positive integer, or 0 or auto');
    },
    PROCESS_TEST_MS,
  );

  it(
    'stops with exit code 1 when the workers cannot listen, instead of restarting them forever',
    async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = taken.address() as { port: number };
        const blocked = service({ WORKERS: '2', PORT: String(port) });
        await blocked.line(logLine('worker failed to start; stopping the service'));
        expect(await blocked.exited).toEqual({ code: 1, signal: null });
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    },
    PROCESS_TEST_MS,
  );
});
