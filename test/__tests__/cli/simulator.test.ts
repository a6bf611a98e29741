/**
 * The CLI commands that talk to Salesforce, against the embedded simulator on 127.0.0.1: `transform` then
 * `deliver`, and `demo` (in-process and as the real binary, for its exit status).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoDestinationConfig, startSimulator, type Simulator } from '../../../tools/salesforce-sim';
import { Progress } from '../../../src/cli/transform';
import { identify, ndjson, runCli, useTempDir } from './helpers';

let sim: Simulator;
beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
});
afterEach(async () => {
  await sim.close();
});
const dir = useTempDir();

const simConfig = (extra: Record<string, unknown> = {}) => demoDestinationConfig(sim.url, extra);

describe('sf-destination transform + deliver', () => {
  it('transforms a file in batches, accounts for every line, and delivers per job through proxy v1', async () => {
    const existing = sim.state.seed('Lead', { Email: 'old@acme.com', LastName: 'Old', Company: 'Acme' });
    const events = dir.file(
      'events.ndjson',
      ndjson([
        identify('new@acme.com'),
        identify('old@acme.com', { title: 'CFO' }),
        { ...identify('skip@acme.com'), integrations: {} },
        'this line is not JSON',
        identify('other@acme.com'),
      ]),
    );
    const out = join(dir.path, 'out.ndjson');
    const config = dir.file('config.json', simConfig({ writeMode: 'collections' }));

    const transformed = await runCli([
      'transform',
      events,
      '--config',
      config,
      '--out',
      out,
      '--batch-size',
      '2',
    ]);
    expect(transformed.code).toBe(0);
    expect(transformed.stderr).toBe(
      // Batches of 2: [new, old] travel as one collections element; the other lines each get their own.
      'transformed 5 jobs (one per input line): 3 success, 1 filtered, 1 aborted, 0 throttled, 0 retryable\n' +
        `wrote 4 output elements (an element carries one or more jobs) to ${out}\n`,
    );
    const elements = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { statusCode: number; metadata: { jobId: number }[] });
    expect(elements.flatMap((e) => e.metadata.map((m) => m.jobId)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(sim.state.records('Lead')).toHaveLength(1);

    const delivered = await runCli(['deliver', out]);
    expect(delivered.code).toBe(0);
    expect(delivered.stdout).toMatch(/^1 +200 +delivered +created Lead 00Q\w+$/m);
    expect(delivered.stdout).toMatch(new RegExp(`^2 +200 +delivered +updated Lead ${existing}$`, 'm'));
    expect(delivered.stdout).toMatch(/^3 +298 +not delivered +filtered at transform: /m);
    expect(delivered.stdout).toMatch(
      /^4 +400 +not delivered +rejected at transform: line 4 is not valid JSON/m,
    );
    expect(delivered.stdout).toContain('3 delivered, 0 failed at delivery, 2 not deliverable (proxy v1)');
    const leads = sim.state.records('Lead');
    expect(leads.map((l) => l.Email).sort()).toEqual(['new@acme.com', 'old@acme.com', 'other@acme.com']);
    expect(leads.find((l) => l.Id === existing)?.Title).toBe('CFO');
  });

  it('delivers through proxy v0 and exits 1 when Salesforce refuses a record', async () => {
    const events = dir.file(
      'events.ndjson',
      ndjson([identify('ok@acme.com'), identify('bad@acme.com', { unknownTrait: 'x' })]),
    );
    const out = join(dir.path, 'out.ndjson');
    await runCli(['transform', events, '--config', dir.file('config.json', simConfig()), '--out', out]);
    const run = await runCli(['deliver', out, '--proxy', 'v0', '--json']);
    const reports = JSON.parse(run.stdout) as {
      jobId: number;
      phase: string;
      statusCode: number;
      detail: string;
    }[];
    const byJob = new Map(reports.map((r) => [r.jobId, r]));
    expect(byJob.get(1)).toMatchObject({ phase: 'delivered', statusCode: 200 });
    expect(byJob.get(1)?.detail).toMatch(/^created Lead 00Q/);
    // unknownTrait__c does not exist in the org: refused at transform (field check) or at delivery.
    expect(byJob.get(2)?.statusCode).toBe(400);
    expect(byJob.get(2)?.detail).toContain('unknownTrait__c');
    expect(run.code).toBe(byJob.get(2)?.phase === 'failed' ? 1 : 0);
    expect(sim.state.records('Lead').map((l) => l.Email)).toEqual(['ok@acme.com']);
  });

  it('refuses a bad --proxy value (exit 2), and rejects a line that has no destination', async () => {
    const out = dir.file('out.ndjson', '');
    const badProxy = await runCli(['deliver', out, '--proxy', 'v2']);
    expect(badProxy.code).toBe(2);
    expect(badProxy.stderr).toContain('--proxy must be v0 or v1');
    const events = dir.file('events.ndjson', ndjson([identify('a@acme.com')]));
    const run = await runCli(['transform', events]);
    expect(run.code).toBe(0);
    const [element] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(element).toMatchObject({ statusCode: 400, metadata: [{ jobId: 1 }] });
    expect(element.error).toContain('no destination: pass --config <destination-config.json>');
  });
});

describe('sf-destination preview --network', () => {
  it('runs the lookups against the org (here the simulator) and shows an existing Lead as an update, token masked', async () => {
    const existing = sim.state.seed('Lead', { Email: 'known@acme.com', LastName: 'Known', Company: 'Acme' });
    const event = dir.file('event.json', identify('known@acme.com', { title: 'VP' }));
    const run = await runCli([
      'preview',
      event,
      '--config',
      dir.file('config.json', simConfig()),
      '--network',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('Offline preview');
    expect(run.stdout).toContain(
      "Lookups it ran:\n  SOQL SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email = 'known@acme.com'",
    );
    expect(run.stdout).toContain(`1. update Lead ${existing}`);
    expect(run.stdout).toContain(`PATCH ${sim.url}/services/data/v62.0/sobjects/Lead/${existing}`);
    expect(run.stdout).toContain('Authorization: Bearer <access-token>');
    // Nothing was written: preview never sends the writes.
    expect(sim.state.get('Lead', existing)?.Title ?? null).toBeNull();
  });
});

describe('progress bar', () => {
  it('redraws in place on a terminal and prints a line per 10 % otherwise', () => {
    const tty: string[] = [];
    const bar = new Progress(
      { out: () => undefined, err: (t) => void tty.push(t), errIsTTY: true },
      200,
      'transform',
    );
    bar.update(50, '50 events');
    bar.done();
    expect(tty).toEqual([`\rtransform [${'#'.repeat(8)}${'.'.repeat(22)}] 25% 50 events`, '\n']);
    const plain: string[] = [];
    const log = new Progress(
      { out: () => undefined, err: (t) => void plain.push(t), errIsTTY: false },
      100,
      'transform',
    );
    for (let done = 0; done <= 100; done += 5) log.update(done, '');
    expect(plain).toHaveLength(11);
    expect(plain[10]).toBe('transform 100% \n');
  });
});

describe('sf-destination demo', () => {
  it('runs the events end to end and spends fewer API calls than the reference', async () => {
    const run = await runCli(['demo', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      ok: boolean;
      rows: { outcome: string; ok: boolean }[];
      apiCalls: number;
      referenceCalls: number;
      checks: { ok: boolean }[];
    };
    expect(result.ok).toBe(true);
    expect(result.rows.every((r) => r.ok)).toBe(true);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(result.referenceCalls).toBe(12);
    expect(result.apiCalls).toBeGreaterThan(0);
    expect(result.apiCalls).toBeLessThan(result.referenceCalls);
  });

  it('is a real command: `tsx src/cli/index.ts demo` exits 0 and reports created, updated, filtered and rejected, mapped group and track events included', () => {
    const root = join(__dirname, '..', '..', '..');
    const child = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['src/cli/index.ts', 'demo'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    for (const text of [
      'created Lead 00Q',
      'updated Lead 00Q',
      'updated Contact 003',
      'filtered:',
      'rejected:',
      'merged with event 5',
      'created Account 001',
      'created Task 00T',
      'Demo OK.',
    ]) {
      expect(child.stdout).toContain(text);
    }
    expect(child.stdout).toMatch(/Salesforce API calls spent: \d+/);
  }, 60_000);
});
