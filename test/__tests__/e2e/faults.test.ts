/**
 * End to end, faults: partial collection failures, lock rows, token expiry mid-batch, API limit exceeded,
 * 5xx answers and dropped connections. After each fault, the simulator must hold exactly the expected records,
 * and retrying the failed jobs' events in a second router pass must succeed without duplicates.
 */
import type { RouterInput } from '../../../src/framework/types';
import { manualClock } from '../helpers/clock';
import type { Simulator } from '../../../tools/salesforce-sim';
import { isNonTerminal } from '../../../bench/deliver';
import {
  asRetry,
  byEmail,
  codes,
  deliverRouterOutputs,
  events,
  failedInputs,
  freshDestination,
  leadEmails,
  liveRecords,
  meteredCalls,
  routeAndDeliver,
  simDestination,
  tokenCalls,
  useE2ESimulator,
} from './helpers';

const MODES = ['record', 'collections'] as const;

let sim: Simulator;
useE2ESimulator((started) => {
  sim = started;
});

/** Seeds two existing Leads and returns a batch: two updates, three creates, with user u1 twice. */
function mixedBatch(mode: (typeof MODES)[number]): { inputs: RouterInput[]; a: string; b: string } {
  const a = sim.state.seed('Lead', { Email: 'a@example.com', LastName: 'A', Company: 'Co A' });
  const b = sim.state.seed('Lead', { Email: 'b@example.com', LastName: 'B', Company: 'Co B' });
  sim.state.resetCounters();
  const destination = simDestination(sim, { writeMode: mode });
  const inputs = events(destination, [
    { jobId: 1, userId: 'u1', traits: { email: 'a@example.com', title: 'A2' } },
    { jobId: 2, userId: 'u2', traits: { email: 'b@example.com', title: 'B2' } },
    { jobId: 3, userId: 'u3', traits: { email: 'c@example.com', lastName: 'C' } },
    // u1 again, on another record: must not be reported delivered ahead of job 1.
    { jobId: 4, userId: 'u1', traits: { email: 'd@example.com', lastName: 'D' } },
    { jobId: 5, userId: 'u5', traits: { email: 'e@example.com', lastName: 'E' } },
  ]);
  return { inputs, a, b };
}

const ALL_EMAILS = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com', 'e@example.com'];

/** Retry the jobs that did not succeed, with the fault gone, and check the final org. */
async function retryAndCheck(
  inputs: RouterInput[],
  first: ReadonlyMap<number, { statusCode: number }>,
  dest = freshDestination(),
): Promise<void> {
  sim.state.clearFaults();
  const again = asRetry(failedInputs(inputs, first));
  const retry = await routeAndDeliver(dest, again);
  expect(Object.values(codes(retry.statuses))).toEqual(again.map(() => 200));
  expect(leadEmails(sim)).toEqual(ALL_EMAILS);
  expect(byEmail(sim, 'a@example.com')[0]).toMatchObject({ Title: 'A2', LastName: 'A', Company: 'Co A' });
  expect(byEmail(sim, 'b@example.com')[0]).toMatchObject({ Title: 'B2', LastName: 'B', Company: 'Co B' });
  for (const letter of ['c', 'd', 'e']) {
    expect(byEmail(sim, `${letter}@example.com`)[0]).toMatchObject({
      LastName: letter.toUpperCase(),
      Company: 'n/a',
    });
  }
}

describe.each(MODES)('e2e faults, %s mode', (mode) => {
  it('lock rows fail only their jobs (500), hold back the same user’s later job, and a retry completes', async () => {
    const { inputs, a } = mixedBatch(mode);
    sim.state.setFaults({ lockRowIds: [a], lockRowEmails: ['C@example.com'] });
    const { statuses } = await routeAndDeliver(freshDestination(), inputs);
    expect(codes(statuses)).toEqual({ 1: 500, 2: 200, 3: 500, 4: 500, 5: 200 });
    expect(statuses.get(1)?.error).toMatch(/UNABLE_TO_LOCK_ROW|unable to obtain exclusive access/);
    expect(statuses.get(3)?.error).toMatch(/UNABLE_TO_LOCK_ROW|unable to obtain exclusive access/);
    expect(statuses.get(4)?.error).toMatch(/order|previous job/);
    // The locked rows are untouched; the free ones are written.
    expect(byEmail(sim, 'a@example.com')[0].Title).toBeNull();
    expect(byEmail(sim, 'b@example.com')[0].Title).toBe('B2');
    expect(byEmail(sim, 'c@example.com')).toHaveLength(0);
    expect(byEmail(sim, 'e@example.com')).toHaveLength(1);
    // Job 4: in collections mode its record rode in the same call and was written (reported 500 to keep
    // order); in record mode rudder-server does not send the later element of a failed user at all.
    expect(byEmail(sim, 'd@example.com')).toHaveLength(mode === 'collections' ? 1 : 0);
    await retryAndCheck(inputs, statuses);
  });

  it('an invalid record fails only its own job (400); a terminal failure does not hold the user back', async () => {
    const { inputs } = mixedBatch(mode);
    const destination = inputs[0].destination;
    const batch = [
      ...inputs,
      ...events(destination, [
        // A value only Salesforce knows it refuses (Title holds 128 characters): a per-record failure at delivery.
        { jobId: 6, userId: 'u6', traits: { email: 'g@example.com', lastName: 'X', title: 'x'.repeat(200) } },
        { jobId: 7, userId: 'u6', traits: { email: 'f@example.com', lastName: 'F' } },
      ]),
    ];
    const { statuses } = await routeAndDeliver(freshDestination(), batch);
    expect(codes(statuses)).toEqual({ 1: 200, 2: 200, 3: 200, 4: 200, 5: 200, 6: 400, 7: 200 });
    expect(statuses.get(6)?.error).toContain('STRING_TOO_LONG');
    expect(leadEmails(sim)).toEqual([...ALL_EMAILS, 'f@example.com']);
    expect(liveRecords(sim, 'Lead').some((l) => l.Email === 'g@example.com')).toBe(false);
  });

  it('token expiry between transform and delivery: every job 500 without a refresh category; the next transform logs in again', async () => {
    const { inputs } = mixedBatch(mode);
    const dest = freshDestination();
    const outputs = await dest.processRouterDest(inputs);
    expect(tokenCalls(sim)).toBe(1);
    sim.state.expireTokens();
    const statuses = await deliverRouterOutputs(outputs, dest);
    expect(codes(statuses)).toEqual({ 1: 500, 2: 500, 3: 500, 4: 500, 5: 500 });
    for (const [jobId, s] of statuses) {
      expect(s.authErrorCategory).toBeUndefined();
      // In record mode u1's later element (job 4) is not sent once job 1 failed (rudder-server ordering).
      expect(s.error).toContain(mode === 'record' && jobId === 4 ? 'previous job' : 'INVALID_SESSION_ID');
    }
    expect(leadEmails(sim)).toEqual(['a@example.com', 'b@example.com']);
    await retryAndCheck(inputs, statuses, dest);
    expect(tokenCalls(sim)).toBe(2);
  });

  it('API limit exceeded: every job 429; above 95% usage the quota guard throttles the next transform without calls', async () => {
    const { inputs } = mixedBatch(mode);
    const clock = manualClock();
    const dest = freshDestination({ clock: clock.now });
    const outputs = await dest.processRouterDest(inputs);
    sim.state.setFaults({ requestLimitExceeded: true });
    sim.state.setApiUsage(96_000); // of the default 100,000: reported in Sforce-Limit-Info
    const statuses = await deliverRouterOutputs(outputs, dest);
    // Record mode: u1's later element is held back (500) by rudder-server's ordering, not sent.
    expect(codes(statuses)).toEqual({ 1: 429, 2: 429, 3: 429, 4: mode === 'record' ? 500 : 429, 5: 429 });
    expect(statuses.get(1)?.error).toContain('REQUEST_LIMIT_EXCEEDED');
    expect(leadEmails(sim)).toEqual(['a@example.com', 'b@example.com']);

    sim.state.clearFaults();
    const before = sim.state.counters();
    const guarded = await dest.processRouterDest(asRetry(inputs));
    expect(guarded.every((o) => o.statusCode === 429)).toBe(true);
    expect(guarded.map((o) => ('error' in o ? o.error : ''))).toEqual(
      guarded.map(() => expect.stringContaining('quota guard')),
    );
    expect(sim.state.counters()).toEqual(before);

    // The allocation frees up and the guard's cool-down (300 s by default) passes: the retry goes through.
    sim.state.setApiUsage(0);
    clock.advance(300_000);
    await retryAndCheck(inputs, statuses, dest);
  });

  it.each([
    // Reference table (rudder-contract B.8 row 5): 503 SERVER_UNAVAILABLE is throttled.
    ['status503', 429],
    ['status500', 500],
    ['dropConnections', 500],
  ] as const)('a %s fault at delivery retries every job (%i) and writes nothing', async (fault, code) => {
    const { inputs } = mixedBatch(mode);
    const dest = freshDestination();
    const outputs = await dest.processRouterDest(inputs);
    sim.state.setFaults({ [fault]: 1 });
    const statuses = await deliverRouterOutputs(outputs, dest);
    expect(isNonTerminal(code)).toBe(true);
    if (mode === 'collections') {
      expect(codes(statuses)).toEqual({ 1: code, 2: code, 3: code, 4: code, 5: code });
    } else {
      // One element per record: the first fails; u1's later element is held back by rudder-server's
      // ordering; the other elements are delivered.
      expect(codes(statuses)).toEqual({ 1: code, 2: 200, 3: 200, 4: 500, 5: 200 });
    }
    expect(leadEmails(sim)).toEqual(
      mode === 'collections'
        ? ['a@example.com', 'b@example.com']
        : ['a@example.com', 'b@example.com', 'c@example.com', 'e@example.com'],
    );
    await retryAndCheck(inputs, statuses, dest);
  });

  it('a dropped connection during the lookup fails the batch at transform time (500), with no writes', async () => {
    const { inputs } = mixedBatch(mode);
    const dest = freshDestination();
    // A first batch logs in and caches the describe, so the fault hits the lookup itself.
    await routeAndDeliver(dest, [inputs[0]]);
    sim.state.setFaults({ dropConnections: 1 });
    const before = sim.state.counters().byEndpoint;
    const rest = inputs.slice(1);
    const outputs = await dest.processRouterDest(rest);
    expect(outputs.every((o) => o.statusCode === 500)).toBe(true);
    expect(sim.state.counters().byEndpoint).toEqual(before);
    expect(leadEmails(sim)).toEqual(['a@example.com', 'b@example.com']);
    const statuses = await deliverRouterOutputs(outputs, dest);
    await retryAndCheck(
      [inputs[0], ...rest],
      new Map<number, { statusCode: number }>([[1, { statusCode: 200 }], ...statuses]),
      dest,
    );
  });
});

describe('e2e faults, collections mode only', () => {
  it('a malformed collections answer leaves every job retryable (500), since no record outcome is known', async () => {
    const { inputs } = mixedBatch('collections');
    const dest = freshDestination();
    const outputs = await dest.processRouterDest(inputs);
    sim.state.setFaults({ malformedBodies: 1 });
    const statuses = await deliverRouterOutputs(outputs, dest);
    // The simulator wrote nothing: reporting any job delivered would lose its data.
    expect(leadEmails(sim)).toEqual(['a@example.com', 'b@example.com']);
    expect(codes(statuses)).toEqual({ 1: 500, 2: 500, 3: 500, 4: 500, 5: 500 });
    await retryAndCheck(inputs, statuses, dest);
  });
});

describe('e2e faults: one runtime shared by the transform and the network handlers (production wiring)', () => {
  it('token expiry on a batch that needs no lookup: the delivery 401 evicts the session, the next transform logs in', async () => {
    const contact = sim.state.seed('Contact', { Email: 'k@example.com', LastName: 'K' });
    const dest = freshDestination();
    const destination = simDestination(sim, { writeMode: 'collections' });
    const inputs = events(destination, [
      {
        jobId: 1,
        userId: 'k',
        traits: { Title: 'T1' },
        externalId: [{ type: 'Salesforce-Contact', id: contact }],
      },
    ]);
    const outputs = await dest.processRouterDest(inputs);
    sim.state.expireTokens();
    const statuses = await deliverRouterOutputs(outputs, dest);
    expect(codes(statuses)).toEqual({ 1: 500 });
    const retry = await routeAndDeliver(dest, asRetry(inputs));
    expect(codes(retry.statuses)).toEqual({ 1: 200 });
    expect(tokenCalls(sim)).toBe(2);
    expect(sim.state.get('Contact', contact)?.Title).toBe('T1');
    expect(meteredCalls(sim).query).toBeUndefined();
  });

  it('a session that expired before the transform: the lookup logs in again and the descriptors carry the new token', async () => {
    const dest = freshDestination();
    const destination = simDestination(sim, { writeMode: 'collections' });
    const first = await routeAndDeliver(
      dest,
      events(destination, [{ jobId: 1, userId: 'p', traits: { email: 'p@example.com', lastName: 'P' } }]),
    );
    expect(codes(first.statuses)).toEqual({ 1: 200 });
    sim.state.expireTokens();
    const second = await routeAndDeliver(
      dest,
      events(destination, [{ jobId: 2, userId: 'q', traits: { email: 'q@example.com', lastName: 'Q' } }]),
    );
    expect(tokenCalls(sim)).toBe(2);
    expect(codes(second.statuses)).toEqual({ 2: 200 });
    expect(leadEmails(sim)).toEqual(['p@example.com', 'q@example.com']);
  });
});
