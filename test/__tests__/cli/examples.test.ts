/**
 * The README's CLI commands run as written on the files in examples/. The offline `preview` commands run exactly as
 * documented; the commands that need the org of examples/destination-config.json (the simulator on port 8085) run
 * against a simulator on a free port, with only `loginUrl` changed and the `--out` file in a temporary folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../../tools/salesforce-sim';
import { runCli, TempDir } from './helpers';

const root = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const cliSection = readme.slice(readme.indexOf('### CLI\n'), readme.indexOf('### Load check'));
const block = /```bash\n([\s\S]*?)```/.exec(cliSection)?.[1] ?? '';
const PREFIX = 'npx tsx src/cli/index.ts ';
/** Each documented CLI command as its arguments, without a trailing comment. */
const commands = block
  .split('\n')
  .filter((line) => line.startsWith(PREFIX))
  .map((line) =>
    line
      .slice(PREFIX.length)
      .replace(/\s+#.*$/, '')
      .trim()
      .split(/\s+/),
  );
const example = (name: string) => join(root, 'examples', name);
const exampleConfig = JSON.parse(readFileSync(example('destination-config.json'), 'utf8')) as Record<
  string,
  unknown
>;

/** The arguments with the examples/ paths made absolute, and the given replacements applied. */
const resolveArgs = (args: string[], replace: Record<string, string> = {}) =>
  args.map((a) => replace[a] ?? (a.startsWith('examples/') ? join(root, a) : a));

describe('the README CLI commands on examples/', () => {
  it('documents preview, transform and deliver on the example files, and how to start the simulator', () => {
    expect(commands.map((c) => c[0])).toEqual(['preview', 'preview', 'preview', 'transform', 'deliver']);
    for (const args of commands)
      expect(args[1]).toMatch(/^examples\/(event\.json|events\.ndjson|outputs\.ndjson)$/);
    expect(block).toContain('npm run sim -- --port 8085\n');
    expect(exampleConfig.loginUrl).toBe('http://127.0.0.1:8085');
  });

  it('example files: an identify that opts in to Salesforce, and an NDJSON file of events', () => {
    const event = JSON.parse(readFileSync(example('event.json'), 'utf8')) as Record<string, unknown>;
    expect(event).toMatchObject({ type: 'identify', integrations: { Salesforce: true } });
    const lines = readFileSync(example('events.ndjson'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual([
      'identify',
      'identify',
      'identify',
      'identify',
      'track',
    ]);
  });

  it.each(
    commands.filter((c) => c[0] === 'preview' && !c.includes('--network')).map((c) => [c.join(' '), c]),
  )('runs offline as written: %s', async (_text, args) => {
    const run = await runCli(resolveArgs(args as string[]));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const text = (args as string[]).includes('--json')
      ? (JSON.parse(run.stdout) as { requests: { action: string }[] }).requests[0].action
      : run.stdout;
    expect(text).toContain('create Lead');
  });

  describe('against the simulator', () => {
    let sim: Simulator;
    let dir: TempDir;
    let replace: Record<string, string>;
    beforeAll(async () => {
      sim = await startSimulator({ port: 0 });
      dir = new TempDir();
      replace = {
        'examples/destination-config.json': dir.file('destination-config.json', {
          ...exampleConfig,
          loginUrl: sim.url,
        }),
        'examples/outputs.ndjson': join(dir.path, 'outputs.ndjson'),
      };
    });
    afterAll(async () => {
      dir.remove();
      await sim.close();
    });

    const documented = (name: string, flag?: string) => {
      const found = commands.find((c) => c[0] === name && (!flag || c.includes(flag)));
      if (!found) throw new Error(`the README documents no ${name} ${flag ?? ''} command`);
      return resolveArgs(found, replace);
    };

    it('preview --network, then transform and deliver the example events', async () => {
      const preview = await runCli(documented('preview', '--network'));
      expect(preview.code).toBe(0);
      expect(preview.stdout).toContain(
        "Lookups it ran:\n  SOQL SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email = 'john.doe@example.com'",
      );
      expect(preview.stdout).toContain('1. create Lead');

      const transform = await runCli(documented('transform'));
      expect(transform.code).toBe(0);
      expect(transform.stderr).toBe(
        'transformed 5 jobs (one per input line): 3 success, 1 filtered, 1 aborted, 0 throttled, 0 retryable\n' +
          `wrote 4 output elements (an element carries one or more jobs) to ${replace['examples/outputs.ndjson']}\n`,
      );

      const deliver = await runCli(documented('deliver'));
      expect(deliver.code).toBe(0);
      expect(deliver.stdout).toContain('3 delivered, 0 failed at delivery, 2 not deliverable (proxy v1)');
      const leads = sim.state.records('Lead');
      expect(leads.map((l) => l.Email).sort()).toEqual(['ana.silva@example.org', 'john.doe@example.com']);
      expect(leads.find((l) => l.Email === 'john.doe@example.com')).toMatchObject({
        LastName: 'Doe',
        Title: 'CEO',
        Phone: '+1 415 555 0142',
      });
    });
  });
});
