/**
 * `sf-destination preview`: the Salesforce request(s) an event maps to, offline (test/setup.ts blocks any real
 * network call, so a lookup that tried to leave the machine would fail these tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, useTempDir } from './helpers';

const dir = useTempDir();

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
      "SOQL SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email = 'peter@initech.com'  → not found (offline)",
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
      mappedBy: [expect.stringContaining('built-in identify mapping')],
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

  it('names the eventMappings rules that map an event, with each lookup and the request of each write', async () => {
    const read = (name: string) =>
      JSON.parse(
        readFileSync(join(__dirname, '../../../src/v0/destinations/salesforce/data/presets', name), 'utf8'),
      ) as unknown[];
    const config = { eventMappings: [...read('group-account.json'), ...read('track-task.json')] };
    const order = {
      type: 'track',
      event: 'Demo Booked',
      integrations: { Salesforce: true },
      context: { traits: { email: 'peter@initech.com' } },
      properties: { description: 'Wants a demo' },
      timestamp: '2026-12-01T10:00:00.000Z',
    };
    const run = await runCli([
      'preview',
      dir.file('event.json', order),
      '--config',
      dir.file('config.json', config),
    ]);
    expect(run.code).toBe(1); // offline, the person's Lead or Contact is not found: the reference names it
    expect(run.stdout).toContain('Mapped by:\n  eventMappings[1] ("activity"): create Task');
    expect(run.stdout).toContain("FROM Contact WHERE Email = 'peter@initech.com'");
    expect(run.stdout).toContain('Rejected (400');

    const group = {
      type: 'group',
      groupId: 'ACC-7',
      traits: { name: 'Initech' },
      integrations: { Salesforce: true },
    };
    const json = await runCli([
      'preview',
      dir.file('group.json', group),
      '--config',
      dir.file('config.json', config),
      '--json',
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      mappedBy: ['eventMappings[0] ("companies"): upsert Account'],
      lookups: [expect.stringContaining("FROM Account WHERE AccountNumber = 'ACC-7'")],
      requests: [
        {
          action: 'create Account',
          method: 'POST',
          json: { Name: 'Initech', Type: 'Prospect', AccountNumber: 'ACC-7' },
        },
      ],
    });
  });

  it('with several matching rules, shows what each rule writes on its own, and why one alone cannot', async () => {
    const config = {
      eventMappings: [
        {
          name: 'companies',
          when: { type: 'group' },
          object: 'Account',
          operation: 'upsert',
          match: { fields: [{ field: 'AccountNumber', sourceKeys: 'groupId' }] },
          fields: [{ destKey: 'Name', sourceKeys: 'traits.name', required: true }],
        },
        {
          name: 'company notes',
          when: { type: 'group' },
          object: 'Task',
          operation: 'create',
          fields: [{ destKey: 'Subject', sourceKeys: 'traits.name', required: true }],
        },
        {
          name: 'updates only',
          when: { type: 'group' },
          object: 'Account',
          operation: 'update',
          match: { fields: [{ field: 'Site', sourceKeys: 'traits.site' }] },
        },
      ],
    };
    const group = {
      type: 'group',
      groupId: 'ACC-7',
      traits: { name: 'Initech', site: 'HQ' },
      integrations: { Salesforce: true },
    };
    const args = ['preview', dir.file('group.json', group), '--config', dir.file('config.json', config)];
    const run = await runCli([...args, '--json']);
    const result = JSON.parse(run.stdout) as { byRule: unknown[] };
    expect(result.byRule).toEqual([
      {
        rule: 'eventMappings[0] ("companies"): upsert Account',
        requests: [
          {
            action: 'create Account',
            method: 'POST',
            endpoint: expect.stringMatching(/\/sobjects\/Account$/),
          },
        ],
      },
      {
        rule: 'eventMappings[1] ("company notes"): create Task',
        requests: [
          { action: 'create Task', method: 'POST', endpoint: expect.stringMatching(/\/sobjects\/Task$/) },
        ],
      },
      {
        rule: 'eventMappings[2] ("updates only"): update Account',
        requests: [],
        rejected: expect.stringMatching(
          /^eventMappings\[2\] \("updates only"\): no Account matches Site 'HQ'/,
        ),
      },
    ]);
    const text = await runCli(args);
    expect(text.stdout).toContain(
      'Mapped by (each rule on its own):\n  eventMappings[0] ("companies"): upsert Account\n    → create Account: POST ',
    );
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

  describe('an event file nested 200,000 levels deep: a clear rejection, no crash', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const identifyWith = (fields: string) =>
      `{"type":"identify","integrations":{"Salesforce":true},"traits":{"email":"d@acme.com"},${fields}}`;

    it('deep in the event: rejected by the destination (exit 1), naming the path', async () => {
      const file = dir.file('event.json', identifyWith(`"userId":"d","context":{"x":${deep}}`));
      const run = await runCli(['preview', file]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        'Rejected (400, dataValidation/instrumentation): the event cannot be sent.',
      );
      expect(run.stdout).toMatch(
        /Invalid event: message\.context\.x(\[0\]){62} is nested more than 64 levels deep/,
      );
      const json = await runCli(['preview', file, '--json']);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ outcome: 'rejected', status: 400 });
    });

    it.each([
      [
        'as the userId',
        identifyWith(`"userId":${deep}`),
        /: message\.userId is an array; it must be a string/,
      ],
      [
        'in the metadata',
        `{"message":${identifyWith('"userId":"d"')},"metadata":{"x":${deep}}}`,
        /: metadata\.x(\[0\]){63} is nested more than 64 levels deep; flatten it/,
      ],
      [
        'in the destination',
        `{"message":${identifyWith('"userId":"d"')},"destination":{"ID":"d","Config":{"x":${deep}}}}`,
        /: destination\.Config\.x(\[0\]){62} is nested more than 64 levels deep; flatten it/,
      ],
    ])('%s: exit 2 naming the file and the path', async (_where, text, message) => {
      const file = dir.file('event.json', text);
      const run = await runCli(['preview', file]);
      expect(run.code).toBe(2);
      expect(run.stderr.startsWith(`error: ${file}: `)).toBe(true);
      expect(run.stderr).toMatch(message);
    });

    it('in the --config file: exit 2 naming it', async () => {
      const config = dir.file('config.json', `{"apiVersion":"62.0","x":${deep}}`);
      const run = await runCli(['preview', dir.file('event.json', event), '--config', config]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`^error: ${config}: x(\\[0\\]){63} is nested more than 64 levels deep`),
      );
    });
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
