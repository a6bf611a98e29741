/**
 * `--dest-type` of `transform` and `deliver`: only the definition names this destination serves (the destination's
 * `SALESFORCE_NAMES`), in any letter case; anything else is a usage error (exit 2) naming the allowed values.
 */
import { SALESFORCE_NAMES } from '../../../src/v0/destinations/salesforce/index';
import { runCli, useTempDir } from './helpers';

const dir = useTempDir();

const event = {
  type: 'identify',
  userId: 'u-1',
  integrations: { Salesforce: true },
  traits: { email: 'a@acme.com', lastName: 'Smith', company: 'Acme' },
};
const allowed = 'use salesforce, salesforce_oauth, salesforce_oauth_sandbox (any letter case)';

describe('--dest-type', () => {
  it('lists the destination names the CLI checks against', () => {
    expect([...SALESFORCE_NAMES]).toEqual(['salesforce', 'salesforce_oauth', 'salesforce_oauth_sandbox']);
  });

  it.each(['transform', 'deliver'])(
    '%s refuses hubspot with exit 2, naming the allowed values',
    async (cmd) => {
      const file = dir.file('in.ndjson', `${JSON.stringify(event)}\n`);
      const run = await runCli([
        cmd,
        file,
        '--dest-type',
        'hubspot',
        ...(cmd === 'transform' ? ['--offline'] : []),
      ]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `error: --dest-type "hubspot" is not a destination this CLI serves: ${allowed}\n`,
      );
    },
  );

  it('refuses an empty name', async () => {
    const run = await runCli(['transform', dir.file('in.ndjson', ''), '--dest-type', '', '--offline']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(allowed);
  });

  it.each(['SALESFORCE_OAUTH', 'Salesforce_Oauth_Sandbox', 'salesforce'])(
    'transform accepts %s and writes its elements',
    async (name) => {
      const file = dir.file('in.ndjson', `${JSON.stringify(event)}\n`);
      const config = dir.file('config.json', {});
      const run = await runCli(['transform', file, '--config', config, '--offline', '--dest-type', name]);
      expect(run.code).toBe(0);
      const [element] = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { statusCode: number; metadata: { jobId: number }[] });
      expect(element).toMatchObject({ statusCode: 200, metadata: [{ jobId: 1 }] });
    },
  );
});
