/**
 * End to end, a slow Salesforce: the delivery times out (REQUEST_TIMEOUT_IN_MS, read when src/framework/http.ts
 * loads, so this suite sets it before importing the destination and restores it at once). Salesforce still
 * applies the request after the client gave up: the retry must find those records, not duplicate them.
 */
import type { Simulator } from '../../../tools/salesforce-sim';
import { startSimulator } from '../../../tools/salesforce-sim';

type Helpers = typeof import('./helpers');
type Http = typeof import('../../../src/framework/http');
type Quota = typeof import('../../../src/v0/destinations/salesforce/quota');

const TIMEOUT_MS = 300;
const LATENCY_MS = 800;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let h: Helpers;
let http: Http;
let quota: Quota;
let sim: Simulator;

beforeAll(async () => {
  const previous = process.env.REQUEST_TIMEOUT_IN_MS;
  process.env.REQUEST_TIMEOUT_IN_MS = String(TIMEOUT_MS);
  try {
    http = await import('../../../src/framework/http');
    h = await import('./helpers');
    quota = await import('../../../src/v0/destinations/salesforce/quota');
  } finally {
    if (previous === undefined) delete process.env.REQUEST_TIMEOUT_IN_MS;
    else process.env.REQUEST_TIMEOUT_IN_MS = previous;
  }
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.state.reset();
  quota.quotaGuard.clear();
});

describe.each(['record', 'collections'] as const)('e2e: delivery timeout, %s mode', (mode) => {
  it('times out every sent job as retryable (500); the retry finds what Salesforce applied late and duplicates nothing', async () => {
    expect(http.REQUEST_TIMEOUT_MS).toBe(TIMEOUT_MS);
    sim.state.seed('Lead', { Email: 'a@example.com', LastName: 'A', Company: 'Co A' });
    const destination = h.simDestination(sim, { writeMode: mode });
    const inputs = h.events(destination, [
      { jobId: 1, userId: 'u1', traits: { email: 'a@example.com', title: 'A2' } },
      { jobId: 2, userId: 'u2', traits: { email: 'b@example.com', lastName: 'B' } },
      { jobId: 3, userId: 'u3', traits: { email: 'c@example.com', lastName: 'C' } },
    ]);
    const dest = h.freshDestination();
    const outputs = await dest.processRouterDest(inputs);
    sim.state.setFaults({ latencyMs: LATENCY_MS });
    const statuses = await h.deliverRouterOutputs(outputs, dest);
    expect(h.codes(statuses)).toEqual({ 1: 500, 2: 500, 3: 500 });
    expect(statuses.get(1)?.error).toMatch(/timeout|ECONNABORTED/i);

    // The simulator answers late but applies every request it received.
    await sleep(LATENCY_MS + 400);
    expect(h.leadEmails(sim)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);

    sim.state.clearFaults();
    const retry = await h.routeAndDeliver(dest, h.asRetry(h.failedInputs(inputs, statuses)));
    expect(h.codes(retry.statuses)).toEqual({ 1: 200, 2: 200, 3: 200 });
    expect(h.leadEmails(sim)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(h.byEmail(sim, 'a@example.com')[0]).toMatchObject({ Title: 'A2', LastName: 'A' });
    // The retry updated the Leads the timed-out call created.
    expect(h.meteredCalls(sim)).toMatchObject(
      mode === 'record' ? { 'sobject-create': 2, 'sobject-update': 4 } : { 'collections-update': 1 },
    );
  });
});
