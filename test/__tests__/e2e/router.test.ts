/**
 * End to end, router path: `processRouterDest` against the simulator over HTTP, each output element delivered
 * through the proxy and classified per job by the proxy v1 handler, in record and collections modes.
 */
import type { RouterInput } from '../../../src/framework/types';
import type { Simulator } from '../../../tools/salesforce-sim';
import {
  byEmail,
  codes,
  events,
  freshDestination,
  jobsOf,
  leadEmails,
  liveRecords,
  meteredCalls,
  routeAndDeliver,
  simDestination,
  useE2ESimulator,
} from './helpers';

describe.each(['record', 'collections'] as const)('e2e: router in %s mode (proxy v1)', (mode) => {
  let sim: Simulator;
  useE2ESimulator((started) => {
    sim = started;
  });

  /** A batch with duplicates: an existing Lead twice, a new person twice (other case), a new person, a Contact. */
  function duplicatesBatch(): { inputs: RouterInput[]; existing: string; contact: string } {
    const existing = sim.state.seed('Lead', {
      Email: 'ken@example.com',
      LastName: 'Thompson',
      Company: 'Bell Labs',
    });
    const contact = sim.state.seed('Contact', { Email: 'radia@example.com', LastName: 'Perlman' });
    sim.state.resetCounters();
    const destination = simDestination(sim, { writeMode: mode });
    const inputs = events(destination, [
      { jobId: 1, userId: 'ken', traits: { email: 'ken@example.com', firstName: 'Ken', plan: 'pro' } },
      { jobId: 2, userId: 'leslie', traits: { email: 'leslie@example.com', lastName: 'Lamport' } },
      { jobId: 3, userId: 'ken', traits: { email: 'KEN@example.com', title: 'Unix' } },
      {
        jobId: 4,
        userId: 'leslie',
        traits: { email: 'Leslie@Example.com', firstName: 'Leslie', company: 'Microsoft' },
      },
      { jobId: 5, userId: 'frances', traits: { email: 'frances@example.com', lastName: 'Allen' } },
      {
        jobId: 6,
        userId: 'radia',
        traits: { Title: 'Mother of the Internet' },
        externalId: [{ type: 'Salesforce-Contact', id: contact }],
      },
      { jobId: 7, userId: 'ken', traits: { email: 'ken@example.com', score: 99 } },
    ]);
    return { inputs, existing, contact };
  }

  it('writes exactly one Lead per email for a batch with duplicates, merging later values over earlier ones', async () => {
    const { inputs, existing, contact } = duplicatesBatch();
    const { statuses } = await routeAndDeliver(freshDestination(), inputs);
    expect(codes(statuses)).toEqual({ 1: 200, 2: 200, 3: 200, 4: 200, 5: 200, 6: 200, 7: 200 });
    expect(leadEmails(sim)).toEqual(['frances@example.com', 'ken@example.com', 'leslie@example.com']);
    expect(byEmail(sim, 'ken@example.com')[0]).toMatchObject({
      Id: existing,
      FirstName: 'Ken',
      Title: 'Unix',
      plan__c: 'pro',
      score__c: 99,
      LastName: 'Thompson',
      Company: 'Bell Labs',
    });
    // Two events for one new person: one create carrying both, later values win.
    expect(byEmail(sim, 'leslie@example.com')[0]).toMatchObject({
      FirstName: 'Leslie',
      LastName: 'Lamport',
      Company: 'Microsoft',
    });
    expect(byEmail(sim, 'frances@example.com')[0]).toMatchObject({ LastName: 'Allen', Company: 'n/a' });
    expect(sim.state.get('Contact', contact)?.Title).toBe('Mother of the Internet');
  });

  it('gives every job exactly one final status, and spends the expected API calls', async () => {
    const { inputs } = duplicatesBatch();
    const { outputs, statuses } = await routeAndDeliver(freshDestination(), inputs);
    expect(jobsOf(outputs)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect([...statuses.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const calls = meteredCalls(sim);
    // One Lead lookup for the whole batch; describes of Lead and Contact (fresh client).
    expect(calls.query).toBe(1);
    expect(calls.describe).toBe(2);
    if (mode === 'record') {
      // One single-record request per merged record: ken (update), leslie (create), frances (create), contact.
      expect(outputs).toHaveLength(4);
      expect(calls).toEqual({ query: 1, describe: 2, 'sobject-update': 2, 'sobject-create': 2 });
    } else {
      // Creates and updates in one Composite request: one write call.
      expect(outputs).toHaveLength(1);
      expect(calls).toEqual({ query: 1, describe: 2, composite: 1 });
    }
    expect(sim.state.counters().total).toBe(mode === 'record' ? 7 : 4);
  });

  it('keeps one Lead per email when the repeat arrives in a later batch', async () => {
    const destination = simDestination(sim, { writeMode: mode });
    const dest = freshDestination();
    const first = await routeAndDeliver(
      dest,
      events(destination, [{ jobId: 1, userId: 'a', traits: { email: 'ada@example.com', lastName: 'L' } }]),
    );
    const second = await routeAndDeliver(
      dest,
      events(destination, [
        { jobId: 2, userId: 'a', traits: { email: 'ADA@example.com', company: 'Engines' } },
        { jobId: 3, userId: 'b', traits: { email: 'alan@example.com', lastName: 'T' } },
      ]),
    );
    expect(codes(first.statuses)).toEqual({ 1: 200 });
    expect(codes(second.statuses)).toEqual({ 2: 200, 3: 200 });
    expect(leadEmails(sim)).toEqual(['ada@example.com', 'alan@example.com']);
    expect(byEmail(sim, 'ada@example.com')[0]).toMatchObject({ LastName: 'L', Company: 'Engines' });
  });

  it('upserts reverse-ETL records natively, one write for the batch in collections mode', async () => {
    sim.state.seed('Product__c', { Name: 'Old', Sku__c: 'SKU-2', Price__c: 1 });
    sim.state.resetCounters();
    const destination = simDestination(sim, { writeMode: mode });
    const inputs = events(
      destination,
      [1, 2, 3].map((n) => ({
        jobId: n,
        userId: `sku-${n}`,
        traits: { Name: `Product ${n}`, Price__c: n * 10 },
        mappedToDestination: true,
        externalId: [{ type: 'SALESFORCE-Product__c', id: `SKU-${n}`, identifierType: 'Sku__c' }],
      })),
    );
    const { statuses } = await routeAndDeliver(freshDestination(), inputs);
    expect(codes(statuses)).toEqual({ 1: 200, 2: 200, 3: 200 });
    const products = liveRecords(sim, 'Product__c')
      .map((p) => [p.Sku__c, p.Name, p.Price__c])
      .sort();
    expect(products).toEqual([
      ['SKU-1', 'Product 1', 10],
      ['SKU-2', 'Product 2', 20],
      ['SKU-3', 'Product 3', 30],
    ]);
    expect(meteredCalls(sim)).toEqual(
      mode === 'record' ? { describe: 1, 'sobject-upsert': 3 } : { describe: 1, 'collections-upsert': 1 },
    );
  });
});
