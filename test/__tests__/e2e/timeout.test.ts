/**
 * End to end, a slow Salesforce: the delivery times out (REQUEST_TIMEOUT_IN_MS, read into the destination's runtime),
 * Salesforce still applies the request after the client gave up, and the retry must find those records, not
 * duplicate them.
 */
import type { Simulator } from '../../../tools/salesforce-sim';
import { waitFor } from '../helpers/waitFor';
import {
  asRetry,
  byEmail,
  codes,
  deliverRouterOutputs,
  events,
  failedInputs,
  freshDestination,
  leadEmails,
  meteredCalls,
  routeAndDeliver,
  simDestination,
  useE2ESimulator,
} from './helpers';

const TIMEOUT_MS = 300;

let sim: Simulator;
useE2ESimulator(
  (started) => {
    sim = started;
  },
  { port: 0 },
);

describe.each(['record', 'collections'] as const)('e2e: delivery timeout, %s mode', (mode) => {
  it('times out every sent job as retryable (500); the retry finds what Salesforce applied late and duplicates nothing', async () => {
    sim.state.seed('Lead', { Email: 'a@example.com', LastName: 'A', Company: 'Co A' });
    const destination = simDestination(sim, { writeMode: mode });
    const inputs = events(destination, [
      { jobId: 1, userId: 'u1', traits: { email: 'a@example.com', title: 'A2' } },
      { jobId: 2, userId: 'u2', traits: { email: 'b@example.com', lastName: 'B' } },
      { jobId: 3, userId: 'u3', traits: { email: 'c@example.com', lastName: 'C' } },
    ]);
    const dest = freshDestination({ env: { REQUEST_TIMEOUT_IN_MS: String(TIMEOUT_MS) } });
    expect(dest.runtime.settings.requestTimeoutMs).toBe(TIMEOUT_MS);
    const outputs = await dest.processRouterDest(inputs);
    // Salesforce holds the requests until the client has given up on every one: no race against real time.
    sim.state.setFaults({ holdRequests: true });
    const statuses = await deliverRouterOutputs(outputs, dest);
    expect(codes(statuses)).toEqual({ 1: 500, 2: 500, 3: 500 });
    expect(statuses.get(1)?.error).toMatch(/timeout|ECONNABORTED/i);

    // Released, the simulator answers late but applies every request it received.
    sim.state.clearFaults();
    await waitFor(() => leadEmails(sim).length === 3, 'the late requests to be applied');
    expect(leadEmails(sim)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);

    const retry = await routeAndDeliver(dest, asRetry(failedInputs(inputs, statuses)));
    expect(codes(retry.statuses)).toEqual({ 1: 200, 2: 200, 3: 200 });
    expect(leadEmails(sim)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(byEmail(sim, 'a@example.com')[0]).toMatchObject({ Title: 'A2', LastName: 'A' });
    // The retry updated the Leads the timed-out call created.
    expect(meteredCalls(sim)).toMatchObject(
      mode === 'record' ? { 'sobject-create': 2, 'sobject-update': 4 } : { 'collections-update': 1 },
    );
  });
});
