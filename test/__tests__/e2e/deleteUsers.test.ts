/**
 * User deletion end to end against the simulator: the Leads and Contacts with the users' emails are deleted (or
 * blanked), in batches, records already gone count as deleted, and a failure names the records it concerns.
 */
import { RetryableError } from '../../../src/framework/errors';
import { deleteUsers } from '../../../src/v0/destinations/salesforce/index';
import { demoDestinationConfig, type Simulator } from '../../../tools/salesforce-sim';
import { SIM_OPTIONS } from '../../../bench/workload';
import { startSimulator } from '../../../tools/salesforce-sim';
import { freshDestination, liveRecords, meteredCalls, useE2ESimulator } from './helpers';

let sim: Simulator;
useE2ESimulator((started) => {
  sim = started;
});

const request = (emails: (string | undefined)[], extra: Record<string, unknown> = {}) => ({
  jobId: 1,
  destType: 'SALESFORCE',
  config: demoDestinationConfig(sim.url, extra),
  userAttributes: emails.map((email, i) => ({ userId: `u${i}`, ...(email ? { email } : {}) })),
});

function seedPeople(): { leads: string[]; contact: string } {
  const leads = [
    sim.state.seed('Lead', { Email: 'ann@x.com', LastName: 'Ann', Company: 'A', Title: 'CEO' }),
    sim.state.seed('Lead', { Email: 'ANN@x.com', LastName: 'Ann2', Company: 'A' }),
    sim.state.seed('Lead', { Email: 'keep@x.com', LastName: 'Keep', Company: 'K' }),
  ];
  const contact = sim.state.seed('Contact', { Email: 'bob@x.com', LastName: 'Bob' });
  sim.state.resetCounters();
  return { leads, contact };
}

it("deletes every Lead and Contact with the users' emails, in one lookup call (a Composite of the Lead and Contact queries) and one delete call", async () => {
  const { leads, contact } = seedPeople();
  const { runtime } = freshDestination();
  await expect(
    deleteUsers(request(['ann@x.com', 'bob@x.com', undefined, 'not an email']), runtime),
  ).resolves.toEqual({
    statusCode: 200,
    status: 'successful',
  });
  expect(liveRecords(sim, 'Lead').map((l) => l.Id)).toEqual([leads[2]]);
  expect(liveRecords(sim, 'Contact').map((c) => c.Id)).not.toContain(contact);
  expect(meteredCalls(sim)).toEqual({ composite: 1, 'collections-delete': 1 });
});

it('anonymize: blanks the mapped fields, keeps required ones filled, deletes nothing', async () => {
  const { leads } = seedPeople();
  const { runtime } = freshDestination();
  await deleteUsers(request(['ann@x.com'], { deleteUsersMode: 'anonymize' }), runtime);
  const ann = sim.state.get('Lead', leads[0]);
  expect(ann).toMatchObject({
    IsDeleted: false,
    Email: null,
    Title: null,
    LastName: 'Anonymized',
    Company: 'Anonymized',
  });
  expect(liveRecords(sim, 'Lead')).toHaveLength(3);
});

it('a user with no records, or records already gone, is deleted already', async () => {
  seedPeople();
  const { runtime } = freshDestination();
  await expect(deleteUsers(request(['nobody@x.com']), runtime)).resolves.toMatchObject({ statusCode: 200 });
  expect(meteredCalls(sim)).toEqual({ composite: 1 });
});

it('a record Salesforce cannot erase now fails the request as retryable, naming the record and its user', async () => {
  const { leads } = seedPeople();
  sim.state.setFaults({ lockRowIds: [leads[0]] });
  const { runtime } = freshDestination();
  const error = await deleteUsers(request(['ann@x.com']), runtime).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RetryableError);
  expect((error as Error).message).toMatch(
    new RegExp(
      `^User deletion: 1 of 2 records could not be erased: Lead ${leads[0]} \\(ann@x.com\\): .*exclusive access.*Retryable`,
    ),
  );
  expect(liveRecords(sim, 'Lead').map((l) => l.Id)).toEqual([leads[0], leads[2]]);
});

it('refuses a malformed request with the field named', async () => {
  const { runtime } = freshDestination();
  await expect(deleteUsers({ destType: 'SALESFORCE', config: {} }, runtime)).rejects.toThrow(
    'Invalid user deletion request: request.userAttributes is required',
  );
});

it('an expired host-owned token answers 401 with REFRESH_TOKEN, so the regulation worker refreshes it', async () => {
  seedPeople();
  const { runtime } = freshDestination();
  const oauth = {
    ...request(['ann@x.com'], {}),
    destType: 'SALESFORCE_OAUTH',
    config: {},
    rudderDestInfo: { secret: { access_token: 'expired-or-revoked', instance_url: sim.url } },
  };
  const error = await deleteUsers(oauth, runtime).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RetryableError);
  expect(error).toMatchObject({ status: 401, authErrorCategory: 'REFRESH_TOKEN' });
  expect((error as Error).message).not.toContain('expired-or-revoked');
});

it('keeps the field descriptions of two orgs apart: a request to a second org describes its own objects', async () => {
  const other = await startSimulator(SIM_OPTIONS);
  try {
    seedPeople();
    other.state.seed('Lead', { Email: 'ann@x.com', LastName: 'Ann', Company: 'A', Title: 'CEO' });
    other.state.seed('Lead', { Email: 'ANN@x.com', LastName: 'Ann2', Company: 'A' });
    other.state.resetCounters();
    const { runtime } = freshDestination();
    const anonymize = { deleteUsersMode: 'anonymize' };
    await deleteUsers(request(['ann@x.com'], anonymize), runtime);
    const first = meteredCalls(sim);
    await deleteUsers(
      { ...request(['ann@x.com'], anonymize), config: demoDestinationConfig(other.url, anonymize) },
      runtime,
    );
    expect(meteredCalls(other)).toEqual(first);
    // The same org again shares what the runtime cached for it.
    sim.state.resetCounters();
    await deleteUsers(request(['ann@x.com'], anonymize), runtime);
    expect(Object.keys(meteredCalls(sim)).filter((kind) => kind.includes('describe'))).toEqual([]);
  } finally {
    await other.close();
  }
});
