/**
 * End to end, single-event path: `process(event)` against the simulator over HTTP, its descriptors delivered
 * through the proxy and classified by the proxy v0 handler.
 */
import type { Simulator } from '../../../tools/salesforce-sim';
import { processAndDeliver } from '../../../bench/deliver';
import {
  byEmail,
  freshDestination,
  identify,
  liveRecords,
  meteredCalls,
  simDestination,
  tokenCalls,
  useE2ESimulator,
} from './helpers';

describe('e2e: single-event path (process + proxy v0)', () => {
  let sim: Simulator;
  useE2ESimulator((started) => {
    sim = started;
  });

  it('creates a new Lead with the mapped fields', async () => {
    const destination = simDestination(sim);
    const status = await processAndDeliver(
      freshDestination(),
      identify(destination, {
        jobId: 1,
        userId: 'u1',
        traits: {
          email: 'Ada@Example.com',
          firstName: 'Ada',
          lastName: 'Lovelace',
          company: 'Analytical Engines',
          phone: '+44 20 7946 0000',
          title: 'Countess',
          address: { city: 'London', country: 'UK' },
        },
      }),
    );
    expect(status.statusCode).toBe(200);
    const leads = liveRecords(sim, 'Lead');
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      Email: 'Ada@Example.com',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Company: 'Analytical Engines',
      Phone: '+44 20 7946 0000',
      Title: 'Countess',
      City: 'London',
      Country: 'UK',
    });
    // One lookup, one create, and the Lead describe of this fresh client.
    expect(meteredCalls(sim)).toEqual({ query: 1, 'sobject-create': 1, describe: 1 });
  });

  it('updates an existing Lead without overwriting LastName or Company with n/a', async () => {
    const id = sim.state.seed('Lead', {
      Email: 'grace@example.com',
      FirstName: 'G',
      LastName: 'Hopper',
      Company: 'US Navy',
    });
    const status = await processAndDeliver(
      freshDestination(),
      identify(simDestination(sim), {
        jobId: 1,
        userId: 'u1',
        traits: { email: 'GRACE@example.com', firstName: 'Grace', title: 'Rear Admiral' },
      }),
    );
    expect(status.statusCode).toBe(200);
    const leads = liveRecords(sim, 'Lead');
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      Id: id,
      FirstName: 'Grace',
      Title: 'Rear Admiral',
      LastName: 'Hopper',
      Company: 'US Navy',
    });
    expect(meteredCalls(sim)).toEqual({ query: 1, 'sobject-update': 1, describe: 1 });
  });

  it('writes a custom trait to the custom field that exists in the org', async () => {
    const status = await processAndDeliver(
      freshDestination(),
      identify(simDestination(sim), {
        jobId: 1,
        userId: 'u1',
        traits: { email: 'alan@example.com', lastName: 'Turing', plan: 'enterprise', score: 42.5 },
      }),
    );
    expect(status.statusCode).toBe(200);
    expect(byEmail(sim, 'alan@example.com')[0]).toMatchObject({
      plan__c: 'enterprise',
      score__c: 42.5,
      LastName: 'Turing',
      Company: 'n/a',
    });
  });

  it('rejects an unknown custom field with a 400 naming it, and writes nothing', async () => {
    sim.state.seed('Lead', { Email: 'edsger@example.com', LastName: 'Dijkstra', Company: 'UT Austin' });
    const before = sim.state.records('Lead');
    const status = await processAndDeliver(
      freshDestination(),
      identify(simDestination(sim), {
        jobId: 1,
        userId: 'u1',
        traits: { email: 'edsger@example.com', favouriteColour: 'blue' },
      }),
    );
    expect(status.statusCode).toBe(400);
    expect(status.error).toContain('favouriteColour__c');
    expect(sim.state.records('Lead')).toEqual(before);
    const calls = meteredCalls(sim);
    expect(Object.keys(calls).filter((k) => k.startsWith('sobject') || k.startsWith('collections'))).toEqual(
      [],
    );
  });

  it('updates the Contact named by a Salesforce-Contact external id, without a lookup or a Lead', async () => {
    const contactId = sim.state.seed('Contact', {
      Email: 'barbara@example.com',
      FirstName: 'Barbara',
      LastName: 'Liskov',
    });
    const status = await processAndDeliver(
      freshDestination(),
      identify(simDestination(sim), {
        jobId: 1,
        userId: 'u1',
        traits: { Title: 'Institute Professor', Department: 'EECS' },
        externalId: [{ type: 'Salesforce-Contact', id: contactId }],
      }),
    );
    expect(status.statusCode).toBe(200);
    expect(sim.state.get('Contact', contactId)).toMatchObject({
      Title: 'Institute Professor',
      Department: 'EECS',
      LastName: 'Liskov',
    });
    expect(liveRecords(sim, 'Lead')).toHaveLength(0);
    expect(meteredCalls(sim)).toEqual({ 'sobject-update': 1, describe: 1 });
  });

  it('finds the record named by a reverse-ETL identifier written in other letter case, and updates it', async () => {
    const accountId = sim.state.seed('Account', { Name: 'Initech', Industry: 'Technology' });
    const status = await processAndDeliver(
      freshDestination(),
      identify(simDestination(sim), {
        jobId: 1,
        userId: 'acct-1',
        traits: { Industry: 'Banking' },
        mappedToDestination: true,
        // Salesforce answers with the field's own spelling (Name), not the event's (name).
        externalId: [{ type: 'SALESFORCE-Account', id: 'Initech', identifierType: 'name' }],
      }),
    );
    expect(status.statusCode).toBe(200);
    expect(liveRecords(sim, 'Account')).toHaveLength(1);
    expect(sim.state.get('Account', accountId)).toMatchObject({ Name: 'Initech', Industry: 'Banking' });
  });

  it('updates the Contact of a converted Lead when useContactId is on (and refuses when it is off)', async () => {
    const contactId = sim.state.seed('Contact', { Email: 'donald@example.com', LastName: 'Knuth' });
    const leadId = sim.state.seed('Lead', {
      Email: 'donald@example.com',
      LastName: 'Knuth',
      Company: 'Stanford',
      IsConverted: true,
      ConvertedContactId: contactId,
    });
    const event = (destination: ReturnType<typeof simDestination>) =>
      identify(destination, {
        jobId: 1,
        userId: 'u1',
        traits: { email: 'donald@example.com', title: 'Professor Emeritus', phone: '555-0100' },
      });
    const refused = await processAndDeliver(freshDestination(), event(simDestination(sim)));
    expect(refused.statusCode).toBe(400);
    expect(refused.error).toContain('useContactId');

    const status = await processAndDeliver(
      freshDestination(),
      event(simDestination(sim, { useContactId: true })),
    );
    expect(status.statusCode).toBe(200);
    expect(sim.state.get('Contact', contactId)).toMatchObject({
      Title: 'Professor Emeritus',
      Phone: '555-0100',
      LastName: 'Knuth',
    });
    const lead = sim.state.get('Lead', leadId);
    expect(lead?.Title).toBeNull();
  });

  it('upserts a reverse-ETL record by its External ID field, without any query', async () => {
    const destination = simDestination(sim);
    const event = (jobId: number, price: number) =>
      identify(destination, {
        jobId,
        userId: 'sku-1',
        traits: { Name: 'Widget', Price__c: price },
        mappedToDestination: true,
        externalId: [{ type: 'SALESFORCE-Product__c', id: 'SKU-1', identifierType: 'Sku__c' }],
      });
    const dest = freshDestination();
    expect((await processAndDeliver(dest, event(1, 9.99))).statusCode).toBe(200);
    expect((await processAndDeliver(dest, event(2, 12.5))).statusCode).toBe(200);
    const products = liveRecords(sim, 'Product__c');
    expect(products).toHaveLength(1);
    expect(products[0]).toMatchObject({ Sku__c: 'SKU-1', Name: 'Widget', Price__c: 12.5 });
    // Created, then updated by the same native upsert; the describe is cached by the client.
    expect(meteredCalls(sim)).toEqual({ 'sobject-upsert': 2, describe: 1 });
  });

  it('filters an identify without the Salesforce opt-in (298) and a track (400) with zero API calls', async () => {
    const destination = simDestination(sim);
    const dest = freshDestination();
    const filtered = await processAndDeliver(
      dest,
      identify(destination, {
        jobId: 1,
        userId: 'u1',
        traits: { email: 'frances@example.com' },
        integrations: { All: true },
      }),
    );
    expect(filtered.statusCode).toBe(298);
    expect(filtered.error).toContain('integrations');
    const track = await processAndDeliver(
      dest,
      identify(destination, {
        jobId: 2,
        userId: 'u1',
        type: 'track',
        traits: { email: 'frances@example.com' },
      }),
    );
    expect(track.statusCode).toBe(400);
    expect(sim.state.counters()).toEqual({ total: 0, byEndpoint: {} });
    expect(tokenCalls(sim)).toBe(0);
  });
});
