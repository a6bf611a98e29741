/** The host's small rules, one by one. */
import { InstrumentationError } from '../../../src/framework/errors';
import { compatibleStatus } from '../../../src/server/delivery';
import { DestinationRegistry } from '../../../src/server/destinations';
import {
  checkInput,
  errorTags,
  expandCompacted,
  featuresOf,
  mapLimit,
  parseOAuthSecret,
  shareDestinations,
  spreadSecret,
  stableStringify,
} from '../../../src/server/inputs';
import { listenAddress, workersFromEnv } from '../../../src/server/main';
import { primaryLog } from '../../../src/server/cluster/log';
import { outcomeOf } from '../../../src/framework/outcomes';
import { AggregatorRegistry } from 'prom-client';
import { ServerMetrics, statusClass } from '../../../src/server/metrics';
import { createRuntime } from '../../../src/v0/destinations/salesforce/index';

describe('compatibleStatus (reference getCompatibleStatusCode)', () => {
  it.each([
    [200, 200],
    [201, 200],
    [298, 200],
    [404, 400],
    [400, 400],
    [429, 429],
    [500, 500],
  ])('%i → %i', (status, expected) => expect(compatibleStatus(status)).toBe(expected));
});

describe('job outcome labels', () => {
  it.each([
    [200, 'success', '2xx'],
    [298, 'filtered', '2xx'],
    [400, 'aborted', '4xx'],
    [429, 'throttled', '4xx'],
    [408, 'throttled', '4xx'],
    [500, 'retryable', '5xx'],
    [0, 'retryable', 'other'],
  ])('%i is %s (%s)', (status, outcome, klass) => {
    expect(outcomeOf(status)).toBe(outcome);
    expect(statusClass(status)).toBe(klass);
  });
});

describe('DestinationRegistry', () => {
  it('serves the three Salesforce definition names, compared lower-cased', () => {
    const registry = new DestinationRegistry();
    for (const name of ['salesforce', 'SALESFORCE_OAUTH', ' Salesforce_OAuth_Sandbox '])
      expect(registry.resolve(name)).toBeDefined();
    expect(registry.resolve('salesforce_bulk_upload')).toBeUndefined();
    expect(registry.resolve(42)).toBeUndefined();
    expect(registry.definitionNames()).toEqual([
      'SALESFORCE',
      'SALESFORCE_OAUTH',
      'SALESFORCE_OAUTH_SANDBOX',
    ]);
  });
});

describe('inputs', () => {
  it('stableStringify ignores key order and undefined values', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(stableStringify({ a: 1, b: 2 })).toBe(stableStringify({ b: 2, a: 1 }));
  });

  it('stableStringify writes what JSON.stringify writes for JSON values, at any depth, without recursing', () => {
    // Keys already in order: the sorting is the other test's business.
    const value = { a: [undefined, 'x'], e: [], f: false, n: -1.5e-7, o: {}, s: 'q"uote', t: true, z: null };
    expect(stableStringify(value)).toBe(JSON.stringify(value));
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = stableStringify({ deep });
    expect(text).toHaveLength(2 + '"deep":'.length + 3 + 100_000 * ('[]'.length + '{"k":}'.length));
    expect(text.startsWith('{"deep":[{"k":[{"k":')).toBe(true);
  });

  it('shareDestinations never compares a destination of a bad shape (the comparison recurses)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const copy = () => ({ ID: 'd', Config: { deep } });
    const inputs = [{ destination: copy() }, { destination: copy() }];
    expect(() => shareDestinations(inputs)).not.toThrow();
    expect(inputs[0].destination).not.toBe(inputs[1].destination);
  });

  it('featuresOf turns X-Feature-* headers into features', () => {
    expect(
      featuresOf({
        'x-feature-gzip-support': '?1',
        'x-feature-filter-code': 'true',
        'x-feature-other': 'v2',
        'content-type': 'application/json',
      }),
    ).toEqual({ 'gzip-support': true, 'filter-code': true, other: 'v2' });
  });

  it('parseOAuthSecret ignores an empty header and parses JSON', () => {
    expect(parseOAuthSecret(undefined)).toBeUndefined();
    expect(parseOAuthSecret('  ')).toBeUndefined();
    expect(parseOAuthSecret('{"access_token":"t"}')).toEqual({ access_token: 't' });
    expect(() => parseOAuthSecret('{oops')).toThrow('The oauth-secret header is not valid JSON');
  });

  it('spreadSecret writes the secret into every metadata without touching the originals', () => {
    const inputs = [{ metadata: { jobId: 1 } }, { message: {} }, 'junk'];
    expect(spreadSecret(inputs, { t: 1 })).toEqual([
      { metadata: { jobId: 1, secret: { t: 1 } } },
      { message: {}, metadata: { secret: { t: 1 } } },
      'junk',
    ]);
    expect(inputs[0]).toEqual({ metadata: { jobId: 1 } });
    expect(spreadSecret(inputs, undefined)).toBe(inputs);
  });

  it('expandCompacted attaches the destination and connection by id; a missing destination is reported per event', () => {
    const destination = { ID: 'd1', Config: {} };
    const [found, missing] = expandCompacted({
      input: [
        { message: { type: 'identify' }, metadata: { destinationId: 'd1', sourceId: 's1', jobId: 1 } },
        { message: { type: 'identify' }, metadata: { destinationId: 'd2', jobId: 2 } },
      ],
      destinations: { d1: destination },
      connections: { 's1:d1': { config: {} } },
    });
    expect(found).toMatchObject({ destination, connection: { config: {} } });
    const checked = checkInput(missing, 1, 'input[1]');
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.error.message).toBe(
      'Invalid destination: input[1].destination is required',
    );
    expect(!checked.ok && checked.metadata).toEqual({ destinationId: 'd2', jobId: 2 });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'expandCompacted finds no destination for the id %s unless the payload has one by that name',
    (id) => {
      const [expanded] = expandCompacted({
        input: [{ message: { type: 'identify' }, metadata: { destinationId: id, sourceId: 's', jobId: 1 } }],
        destinations: {},
        connections: {},
      });
      expect(expanded).not.toHaveProperty('destination');
      expect(expanded).not.toHaveProperty('connection');
      const checked = checkInput(expanded, 0, 'input[0]');
      expect(!checked.ok && checked.error.message).toBe(
        'Invalid destination: input[0].destination is required',
      );
    },
  );

  it('checkInput checks a shared destination once and still names every fault of every event', () => {
    const destination = { ID: 'd1', Config: { userName: 'u' } };
    const good = { message: { type: 'identify' }, metadata: { jobId: 1 }, destination };
    expect(checkInput(good, 0, 'input[0]')).toEqual({ ok: true, index: 0, input: good });
    // Same destination object, already checked: the event's own faults are still found and named.
    const badMessage = { message: 'identify', metadata: { jobId: 2 }, destination };
    const checked = checkInput(badMessage, 1, 'input[1]');
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.error).toBeInstanceOf(InstrumentationError);
    expect(!checked.ok && checked.error.message).toBe('Invalid event: input[1].message must be object');
    const badJobId = { message: { type: 'identify' }, metadata: { jobId: 'x' }, destination };
    expect(!checkInput(badJobId, 2, 'input[2]').ok).toBe(true);
    // A destination that failed is never taken as checked: each of its events reports it.
    const broken = { ID: 'd2' };
    for (const index of [3, 4]) {
      const result = checkInput({ message: {}, destination: broken }, index, `input[${index}]`);
      expect(!result.ok && result.error.message).toBe(
        `Invalid destination: input[${index}].destination.Config is required`,
      );
    }
  });

  it('shareDestinations gives equal destinations one object and keeps different ones apart', () => {
    const make = (id: string, config: Record<string, unknown>) => ({
      ID: id,
      Config: config,
      DestinationDefinition: { Name: 'SALESFORCE' },
    });
    const inputs: unknown[] = [
      { message: {}, destination: make('d1', { userName: 'u', mapProperty: true }) },
      { message: {}, destination: make('d1', { mapProperty: true, userName: 'u' }) }, // same content, other key order
      { message: {}, destination: make('d1', { userName: 'v', mapProperty: true }) }, // same id, other config
      { message: {}, destination: make('d2', { userName: 'u', mapProperty: true }) }, // same config, other id
      { message: {}, destination: make('d1', { userName: 'v', mapProperty: true }) },
      'junk',
      { message: {} },
    ];
    shareDestinations(inputs);
    const ds = inputs.map((i) => (i as { destination?: unknown }).destination);
    expect(ds[1]).toBe(ds[0]);
    expect(ds[4]).toBe(ds[2]);
    expect(new Set([ds[0], ds[2], ds[3]]).size).toBe(3);
    expect(ds[2]).toEqual(make('d1', { userName: 'v', mapProperty: true }));
    expect(inputs[5]).toBe('junk');
  });

  it('shareDestinations stops comparing after 8 variants of one id', () => {
    const inputs = Array.from({ length: 12 }, (_, i) => ({
      destination: { ID: 'd1', Config: { n: i } },
    }));
    inputs.push({ destination: { ID: 'd1', Config: { n: 11 } } }); // equal to a variant past the cap
    inputs.push({ destination: { ID: 'd1', Config: { n: 3 } } }); // equal to a remembered variant
    const before = inputs.map((i) => i.destination);
    shareDestinations(inputs);
    expect(inputs[12].destination).toBe(before[12]);
    expect(inputs[13].destination).toBe(before[3]);
  });

  it('errorTags stringifies ids and uses the fallback when they are missing', () => {
    expect(errorTags('salesforce_oauth', 'dataDelivery', { destinationId: 7 }, 'Non-determininable')).toEqual(
      {
        destType: 'SALESFORCE_OAUTH',
        module: 'destination',
        implementation: 'native',
        feature: 'dataDelivery',
        destinationId: '7',
        workspaceId: 'Non-determininable',
      },
    );
    expect(errorTags('salesforce', 'processor', undefined)).not.toHaveProperty('destinationId');
  });

  it('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      running += 1;
      peak = Math.max(peak, running);
      // n turns of the event loop: items finish out of order, without waiting for time to pass.
      for (let turn = 0; turn < n; turn++) await new Promise((r) => setImmediate(r));
      running -= 1;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(peak).toBe(2);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('listenAddress', () => {
  it('defaults to 127.0.0.1:9090 and refuses a bad port', () => {
    expect(listenAddress({})).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(listenAddress({ HOST: '0.0.0.0', PORT: '8080' })).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(() => listenAddress({ PORT: 'http' })).toThrow('PORT must be an integer between 0 and 65535');
  });
});

describe('workersFromEnv (WORKERS)', () => {
  it('defaults to one process, takes a positive count, and 0 or auto for one per core', () => {
    expect(workersFromEnv({}, 8)).toBe(1);
    expect(workersFromEnv({ WORKERS: '' }, 8)).toBe(1);
    expect(workersFromEnv({ WORKERS: '1' }, 8)).toBe(1);
    expect(workersFromEnv({ WORKERS: ' 3 ' }, 8)).toBe(3);
    expect(workersFromEnv({ WORKERS: '0' }, 8)).toBe(8);
    expect(workersFromEnv({ WORKERS: 'auto' }, 2)).toBe(2);
    expect(workersFromEnv({ WORKERS: 'AUTO' }, 4)).toBe(4);
  });

  it.each(['-1', '1.5', 'two', '2x', '00', 'auto2', '1e3'])(
    'refuses %j with a message naming WORKERS',
    (raw) => {
      expect(() => workersFromEnv({ WORKERS: raw }, 8)).toThrow(
        `WORKERS must be a positive integer, or 0 or auto for one worker per CPU core; got ${JSON.stringify(raw)}`,
      );
    },
  );
});

describe("the cluster primary's log", () => {
  it('writes pino-shaped JSON lines at or above LOG_LEVEL', () => {
    const lines: string[] = [];
    const log = primaryLog('warn', (line) => lines.push(line));
    log.info({ worker: 1 }, 'worker listening');
    log.warn({ worker: 2, code: null, signal: 'SIGKILL' }, 'worker died unexpectedly; starting a new one');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0])).toEqual({
      level: 40,
      time: expect.any(Number) as unknown,
      pid: process.pid,
      hostname: expect.any(String) as unknown,
      role: 'primary',
      worker: 2,
      code: null,
      signal: 'SIGKILL',
      msg: 'worker died unexpectedly; starting a new one',
    });
  });

  it('writes nothing when silent, and reads an unknown level as info', () => {
    const silent: string[] = [];
    primaryLog('silent', (line) => silent.push(line)).error({}, 'x');
    expect(silent).toEqual([]);
    const unknown: string[] = [];
    const log = primaryLog('loud', (line) => unknown.push(line));
    log.info({}, 'shown');
    expect(unknown).toHaveLength(1);
  });
});

describe('metrics of several workers, aggregated', () => {
  it('adds up counters and keeps the highest API usage (every worker saw the same org)', async () => {
    const workers = [1, 2].map(() => {
      const runtime = createRuntime();
      return { runtime, metrics: new ServerMetrics(runtime.telemetry, { defaultMetrics: false }) };
    });
    workers[0].metrics.jobsAnswered('router', 'salesforce', [200, 200, 400]);
    workers[1].metrics.jobsAnswered('router', 'salesforce', [200]);
    workers[0].runtime.telemetry.emit('apiUsage', { destinationId: 'd', used: 250, max: 15000 });
    workers[1].runtime.telemetry.emit('apiUsage', { destinationId: 'd', used: 100, max: 15000 });
    const each = await Promise.all(workers.map((w) => w.metrics.registry.getMetricsAsJSON()));
    const text = await AggregatorRegistry.aggregate(each).metrics();
    for (const w of workers) w.metrics.close();
    expect(text).toContain(
      'sf_destination_jobs_total{feature="router",destination="salesforce",outcome="success",status_class="2xx"} 3\n',
    );
    expect(text).toContain('sf_destination_salesforce_api_usage_used{destination_id="d"} 250\n');
    expect(text).toContain('sf_destination_salesforce_api_usage_max{destination_id="d"} 15000\n');
  });
});
