/**
 * `sf-destination preview`: the Salesforce request(s) an event maps to, offline (test/setup.ts blocks any real
 * network call, so a lookup that tried to leave the machine would fail these tests).
 */
import { runCli, TempDir } from './helpers';

let dir: TempDir;
beforeEach(() => (dir = new TempDir()));
afterEach(() => dir.remove());

const event = {
  type: 'identify',
  userId: 'u-42',
  integrations: { Salesforce: true },
  traits: { email: 'peter@initech.com', firstName: 'Peter', lastName: 'Gibbons', company: 'Initech' },
};

describe('sf-destination preview', () => {
  it('shows the create a new email maps to, with its lookup, and says the lookup is not sent', async () => {
    const run = await runCli(['preview', dir.file('event.json', event)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Offline preview: nothing is sent.');
    expect(run.stdout).toContain(
      "SOQL SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email = 'peter@initech.com'  → not found → create",
    );
    expect(run.stdout).toContain('1. create Lead');
    expect(run.stdout).toContain(
      'POST https://<your-instance>.my.salesforce.com/services/data/v62.0/sobjects/Lead',
    );
    expect(run.stdout).toContain('Authorization: Bearer <access-token>');
    expect(run.stdout).toContain('"Email": "peter@initech.com"');
  });

  it('prints the same as JSON with --json', async () => {
    const run = await runCli(['preview', dir.file('event.json', event), '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      mode: 'offline',
      outcome: 'requests',
      lookups: [expect.stringContaining("FROM Lead WHERE Email = 'peter@initech.com'")],
      requests: [
        {
          action: 'create Lead',
          method: 'POST',
          endpoint: 'https://<your-instance>.my.salesforce.com/services/data/v62.0/sobjects/Lead',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer <access-token>' },
          params: {},
          json: expect.objectContaining({
            Email: 'peter@initech.com',
            LastName: 'Gibbons',
            Company: 'Initech',
          }) as unknown,
        },
      ],
    });
  });

  it('accepts a full {message, destination} input: a Salesforce-Contact external id is an update without lookup', async () => {
    const input = {
      message: {
        ...event,
        context: { externalId: [{ type: 'Salesforce-Contact', id: '0035g00000ABCDEAA1' }] },
        traits: { title: 'Consultant' },
      },
      destination: {
        ID: 'd-7',
        Config: { apiVersion: '58.0' },
        DestinationDefinition: { Name: 'SALESFORCE' },
      },
    };
    const run = await runCli(['preview', dir.file('input.json', input), '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      lookups: string[];
      requests: { action: string; method: string; endpoint: string }[];
    };
    expect(result.lookups).toEqual([]);
    expect(result.requests).toEqual([
      expect.objectContaining({
        action: 'update Contact 0035g00000ABCDEAA1',
        method: 'PATCH',
        endpoint:
          'https://<your-instance>.my.salesforce.com/services/data/v58.0/sobjects/Contact/0035g00000ABCDEAA1',
      }),
    ]);
  });

  it('takes the destination config from --config (a bare Config object)', async () => {
    const run = await runCli([
      'preview',
      dir.file('event.json', event),
      '--config',
      dir.file('config.json', { apiVersion: '60.0' }),
      '--json',
    ]);
    const result = JSON.parse(run.stdout) as { requests: { endpoint: string }[] };
    expect(result.requests[0].endpoint).toContain('/services/data/v60.0/sobjects/Lead');
  });

  it('explains a filtered event and exits 0', async () => {
    const run = await runCli(['preview', dir.file('event.json', { ...event, integrations: { All: true } })]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Filtered (298): not sent to Salesforce.');
    expect(run.stdout).toContain('integrations object does not enable Salesforce');
  });

  it('explains a rejected event and exits 1', async () => {
    const run = await runCli([
      'preview',
      dir.file('event.json', { type: 'track', event: 'Order Completed' }),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Rejected (400, dataValidation/instrumentation): the event cannot be sent.');
    expect(run.stdout).toContain('message type "track" is not supported');
  });

  it('exits 2 with a message for a file that is not JSON, or missing', async () => {
    const bad = await runCli(['preview', dir.file('event.json', '{"type": ')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: event file .*event\.json is not valid JSON/);
    const missing = await runCli(['preview', `${dir.path}/none.json`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read event file');
  });

  it('prints usage and exits 2 without a command; exits 1 for an unknown option', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: sf-destination');
    const unknown = await runCli(['preview', 'x.json', '--nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown option '--nope'");
  });
});
