/**
 * The service as it runs in production: started by `npm start`, stopped by a signal. Every wait is for an event (a
 * log line, a request reaching the stand-in Salesforce, a process exit); every process started is killed in
 * afterAll, whatever happened.
 */
import { INSTANCE, leadCreateDescriptor, meta } from './fixtures';
import { isRunning, killAll, remember, start, startGate, type Gate, type Started } from './processes';

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
