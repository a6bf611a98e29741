/**
 * `eventMappings` end to end (test/__tests__/data/ruleCases.ts): each named case in both write modes against the
 * simulator, with explicit assertions on every job's status and on the records left, and a snapshot of the requests
 * each case becomes.
 */
import type { RouterInput, RouterOutput } from '../../src/framework/types';
import type { Simulator } from '../../tools/salesforce-sim';
import { RULES_SIM_OPTIONS, ruleCases, type Mode, type RuleCase } from './data/ruleCases';
import groupAccount from '../../src/v0/destinations/salesforce/data/presets/group-account.json';
import trackTask from '../../src/v0/destinations/salesforce/data/presets/track-task.json';
import {
  codes,
  freshDestination,
  liveRecords,
  meteredCalls,
  routeAndDeliver,
  simDestination,
  useE2ESimulator,
} from './e2e/helpers';

let sim: Simulator;
useE2ESimulator((started) => {
  sim = started;
}, RULES_SIM_OPTIONS);

function inputsOf(testCase: RuleCase, mode: Mode, ids: Record<string, string>): RouterInput[] {
  const destination = simDestination(sim, {
    writeMode: mode,
    eventMappings: testCase.rules,
    ...testCase.config,
  });
  return testCase.events(ids).map((message, i) => ({
    message: { integrations: { Salesforce: true }, userId: `u${i + 1}`, messageId: `m${i + 1}`, ...message },
    metadata: { jobId: i + 1, userId: `u${i + 1}`, destinationId: destination.ID, workspaceId: 'ws' },
    destination,
  }));
}

/** The outputs with what changes from run to run (the simulator's port, tokens, destination ids) masked. */
function normalised(outputs: RouterOutput[]): unknown {
  const text = JSON.stringify(
    outputs.map((o) => ({
      statusCode: o.statusCode,
      jobs: o.metadata.map((m) => m.jobId),
      ...('batchedRequest' in o ? { request: o.batchedRequest } : { error: o.error }),
    })),
  );
  return JSON.parse(
    text
      .replace(/http:\/\/127\.0\.0\.1:\d+/g, '<sim>')
      .replace(/Bearer [^"]+/g, 'Bearer <token>')
      .replace(/e2e-dest-\d+/g, '<destination>')
      // Record ids are the simulator's own: their key prefix tells what they are.
      .replace(/\b([0-9a-zA-Z]{3})5g0[0-9a-zA-Z]{12}\b/g, '<$1 id>'),
  ) as unknown;
}

const CASES = ruleCases.flatMap((c) =>
  (['record', 'collections'] as const).map((mode) => [c.id, mode, c] as const),
);

describe('eventMappings: named cases', () => {
  it.each(CASES)('%s (%s mode)', async (_id, mode, testCase) => {
    const ids = testCase.seed?.(sim) ?? {};
    sim.state.resetCounters();
    const { outputs, statuses } = await routeAndDeliver(freshDestination(), inputsOf(testCase, mode, ids));
    const expected = 'record' in testCase.statuses ? testCase.statuses[mode] : testCase.statuses;
    expect(codes(statuses)).toEqual(expected);
    for (const [jobId, text] of Object.entries(testCase.errors ?? {})) {
      expect(statuses.get(Number(jobId))?.error).toContain(text);
    }
    testCase.check?.({ sim, mode, ids, statuses, live: (object) => liveRecords(sim, object) });
    expect(normalised(outputs)).toMatchSnapshot();
  });
});

describe('eventMappings: API calls of a mixed batch', () => {
  it.each(['record', 'collections'] as const)(
    'identify, group and track events share one lookup call (a Composite of their queries) in %s mode',
    async (mode) => {
      sim.state.seed('Lead', { Email: 'known@initech.com', LastName: 'Known', Company: 'Initech' });
      sim.state.seed('Account', { Name: 'Initech', AccountNumber: 'ACC-1' });
      const testCase: RuleCase = {
        id: 'mixed',
        scenario: 'a new person, a known and a new company, and an activity of a known Lead in one batch',
        successCriteria: 'every job 200, with one lookup call for the three objects',
        rules: [...groupAccount, ...trackTask],
        events: () => [
          { type: 'identify', traits: { email: 'new@initech.com', lastName: 'New', company: 'Initech' } },
          { type: 'group', groupId: 'ACC-1', traits: { name: 'Initech Corp' } },
          { type: 'group', groupId: 'ACC-2', traits: { name: 'Hooli' } },
          { type: 'track', event: 'Demo Booked', context: { traits: { email: 'known@initech.com' } } },
        ],
        statuses: {},
      };
      const destination = freshDestination();
      sim.state.resetCounters();
      const { statuses } = await routeAndDeliver(destination, inputsOf(testCase, mode, {}));
      expect(codes(statuses)).toEqual({ 1: 200, 2: 200, 3: 200, 4: 200 });
      const calls = meteredCalls(sim);
      // Lead, Account and Contact lookups (the Task's WhoId looks for a Contact, then a Lead): one Composite call.
      expect(calls.query ?? 0).toBe(0);
      expect(calls.describe).toBe(4); // Lead, Account, Task, Contact: once per runtime
      if (mode === 'collections')
        expect(calls.composite).toBe(2); // the lookups, then every write
      else expect(calls.composite).toBe(1);
      expect(liveRecords(sim, 'Task')).toHaveLength(1);
      expect(
        liveRecords(sim, 'Account')
          .map((a) => a.AccountNumber)
          .sort(),
      ).toEqual(['ACC-1', 'ACC-2']);
    },
  );
});
