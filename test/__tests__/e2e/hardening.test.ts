/**
 * End to end against the simulator: bad values never cost good jobs. A value of the wrong type, an event nested too
 * deep, a prototype key or an email Salesforce would refuse is its own job's 400; a whole collections request that
 * Salesforce refuses for a reason one record can cause is retried one job at a time; and a fuzz over mixed batches
 * checks that every job gets exactly one status and every good job is delivered.
 */
import fc from 'fast-check';
import type { RouterInput } from '../../../src/framework/types';
import type { SalesforceClient } from '../../../src/v0/destinations/salesforce/index';
import type { Simulator } from '../../../tools/salesforce-sim';
import {
  asRetry,
  byEmail,
  codes,
  deliverRouterOutputs,
  events,
  failedInputs,
  freshDestination,
  jobsOf,
  leadEmails,
  meteredCalls,
  routeAndDeliver,
  simDestination,
  useE2ESimulator,
} from './helpers';

let sim: Simulator;
useE2ESimulator((started) => {
  sim = started;
});

/** An array nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}

describe('a wrong-typed value in collections mode', () => {
  it('is its own job 400 naming the field and the type; the good Leads are written in one call', async () => {
    const destination = simDestination(sim, { writeMode: 'collections' });
    const inputs = events(destination, [
      { jobId: 1, traits: { email: 'ok1@x.com', lastName: 'A' } },
      { jobId: 2, traits: { email: 'bad@x.com', lastName: 'L', title: { a: 1 } } },
      { jobId: 3, traits: { email: 'ok3@x.com', lastName: 'C' } },
    ]);
    const { statuses } = await routeAndDeliver(freshDestination(), inputs);
    expect(codes(statuses)).toEqual({ 1: 200, 2: 400, 3: 200 });
    expect(statuses.get(2)?.error).toBe(
      'Field Lead.Title is a string field in Salesforce; {"a":1} (an object) cannot be written to it: send text',
    );
    expect(leadEmails(sim)).toEqual(['ok1@x.com', 'ok3@x.com']);
    expect(meteredCalls(sim)).toMatchObject({ 'collections-create': 1 });
  });

  it('a numeric string for a number field is converted, as Salesforce would read it', async () => {
    const destination = simDestination(sim, { writeMode: 'collections' });
    const { statuses } = await routeAndDeliver(
      freshDestination(),
      events(destination, [{ jobId: 1, traits: { email: 'n@x.com', lastName: 'N', score: '42.5' } }]),
    );
    expect(codes(statuses)).toEqual({ 1: 200 });
    expect(byEmail(sim, 'n@x.com')[0].score__c).toBe(42.5);
  });
});

describe('a whole collections request Salesforce refuses for a reason one record can cause', () => {
  /** A destination whose client does not describe: values reach Salesforce unchecked (as with a stale describe). */
  function uncheckedDestination() {
    const checked = freshDestination();
    const { client } = checked.runtime;
    const withoutDescribe: SalesforceClient = {
      authorize: (ctx) => client.authorize(ctx),
      query: (ctx, soql, suffix) => client.query(ctx, soql, suffix),
    };
    return freshDestination({ client: withoutDescribe });
  }

  it('retries every job alone (dontBatch); on the retry only the job at fault is aborted', async () => {
    const destination = simDestination(sim, { writeMode: 'collections' });
    const inputs = events(destination, [
      { jobId: 1, traits: { email: 'ok1@x.com', lastName: 'A' } },
      { jobId: 2, traits: { email: 'bad@x.com', lastName: 'L', title: { a: 1 } } },
      { jobId: 3, traits: { email: 'ok3@x.com', lastName: 'C' } },
    ]);
    const dest = uncheckedDestination();
    const first = await routeAndDeliver(dest, inputs);
    expect(codes(first.statuses)).toEqual({ 1: 500, 2: 500, 3: 500 });
    expect([...first.statuses.values()].every((s) => s.dontBatch === true)).toBe(true);
    expect(leadEmails(sim)).toEqual([]);

    const retry = await routeAndDeliver(dest, asRetry(failedInputs(inputs, first.statuses), first.statuses));
    // Each job travels alone now (one record request each): the bad value costs only its own job.
    expect(retry.outputs.map((o) => o.metadata.length)).toEqual([1, 1, 1]);
    expect(codes(retry.statuses)).toEqual({ 1: 200, 2: 400, 3: 200 });
    expect(leadEmails(sim)).toEqual(['ok1@x.com', 'ok3@x.com']);
  });
});

describe('hostile emails cost no API call', () => {
  it.each(["x' OR Email != '", '%', ' '])('%p is refused at transform time', async (email) => {
    const destination = simDestination(sim);
    sim.state.resetCounters();
    const outputs = await freshDestination().processRouterDest(
      events(destination, [{ jobId: 1, traits: { email, lastName: 'X' } }]),
    );
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({
      statusCode: 400,
      error: expect.stringContaining('not an email address'),
    });
    expect(sim.state.counters().total).toBe(0);
  });
});

/** One event of a fuzzed batch: good, or bad in one of the ways a client can get it wrong. */
type Kind = 'good' | 'deep' | 'proto' | 'wrongType' | 'hostileEmail';

function traitsFor(kind: Kind, i: number): Record<string, unknown> {
  const email = `p${i}@fuzz.example.com`;
  switch (kind) {
    case 'good':
      return { email, lastName: `L${i}`, title: `T${i}` };
    case 'deep':
      return { email, lastName: 'D', title: nested(200) };
    case 'proto':
      return JSON.parse(`{"email": "${email}", "lastName": "P", "__proto__": {"admin": true}}`) as Record<
        string,
        unknown
      >;
    case 'wrongType':
      return { email, lastName: 'W', score: { value: 1 } };
    case 'hostileEmail':
      return { email: `x${i}' OR Email != '`, lastName: 'H' };
  }
}

describe('fuzz: mixed batches in collections mode', () => {
  it('every job gets exactly one status; every good job is delivered and written; every bad one is a 400', async () => {
    const kinds = fc.constantFrom<Kind>('good', 'good', 'good', 'deep', 'proto', 'wrongType', 'hostileEmail');
    await fc.assert(
      fc.asyncProperty(fc.array(kinds, { minLength: 1, maxLength: 12 }), async (batch) => {
        sim.state.reset();
        const destination = simDestination(sim, { writeMode: 'collections' });
        const inputs: RouterInput[] = events(
          destination,
          batch.map((kind, i) => ({ jobId: i + 1, userId: `u${i}`, traits: traitsFor(kind, i) })),
        );
        const dest = freshDestination();
        const outputs = await dest.processRouterDest(inputs);
        expect(jobsOf(outputs)).toEqual(inputs.map((input) => input.metadata?.jobId));
        const statuses = await deliverRouterOutputs(outputs, dest);
        expect(statuses.size).toBe(batch.length);
        batch.forEach((kind, i) =>
          expect([i + 1, statuses.get(i + 1)?.statusCode]).toEqual([i + 1, kind === 'good' ? 200 : 400]),
        );
        const good = batch.flatMap((kind, i) => (kind === 'good' ? [`p${i}@fuzz.example.com`] : []));
        expect(leadEmails(sim)).toEqual([...good].sort());
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      }),
      { numRuns: 25 },
    );
  });
});
