/**
 * Creates are not idempotent: `deliver` warns before sending a file that creates records, marks the file it
 * delivered (`<file>.delivered`) and refuses to deliver it again unless `--force`. The retry path it recommends —
 * `transform` the events again, deliver the new output — updates the records the first run created.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoDestinationConfig } from '../../../tools/salesforce-sim';
import { identify, ndjson, runCli, useSimulator, useTempDir } from './helpers';

const simulator = useSimulator();
const dir = useTempDir();

const RETRY =
  're-run `transform` on the events (its lookups then find the records already written, so they become updates) ' +
  'and deliver the new output';

/** `transform` the events against the simulator into `<dir>/outputs.ndjson`. */
async function transformTo(events: unknown[], extra: Record<string, unknown> = {}): Promise<string> {
  const input = dir.file('events.ndjson', ndjson(events));
  const config = dir.file('config.json', demoDestinationConfig(simulator.current.url, extra));
  const out = join(dir.path, 'outputs.ndjson');
  const run = await runCli(['transform', input, '--config', config, '--out', out]);
  expect(run.code).toBe(0);
  return out;
}

const emails = () =>
  simulator.current.state
    .records('Lead')
    .map((l) => String(l.Email))
    .sort();

describe('sf-destination deliver: creates, the delivered marker and --force', () => {
  it('warns about creates, marks the file, refuses a second run, and --force shows why (duplicates)', async () => {
    simulator.current.state.seed('Lead', { Email: 'old@acme.com', LastName: 'Old', Company: 'Acme' });
    const out = await transformTo([identify('a@acme.com'), identify('b@acme.com'), identify('old@acme.com')]);

    const first = await runCli(['deliver', out]);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      `warning: ${out} creates 2 records (POST). Creates are not idempotent: delivering this file again makes ` +
        `duplicate records (deliver refuses it; see ${out}.delivered).\n  To retry after a failure, ${RETRY}, not this file.\n`,
    );
    expect(emails()).toEqual(['a@acme.com', 'b@acme.com', 'old@acme.com']);
    const markerText = readFileSync(`${out}.delivered`, 'utf8');
    const marker = JSON.parse(markerText) as Record<string, unknown>;
    expect(marker).toMatchObject({
      file: 'outputs.ndjson',
      sha256: createHash('sha256').update(readFileSync(out)).digest('hex'),
      state: 'finished',
      creates: 2,
      jobs: { delivered: 3, failed: 0, notDeliverable: 0 },
    });
    expect(markerText).not.toMatch(/Bearer|access_token|00D/);

    const second = await runCli(['deliver', out]);
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(
      new RegExp(
        `^error: ${out} was already delivered \\(${out}\\.delivered: delivered \\d{4}-\\d\\d-\\d\\dT[^)]+\\)\\. `,
      ),
    );
    expect(second.stderr).toContain(
      `Delivering it again re-sends its requests; its 2 record creates would make duplicate records. ` +
        `To retry failed jobs, ${RETRY}; to deliver this file again anyway, pass --force.`,
    );
    expect(emails()).toEqual(['a@acme.com', 'b@acme.com', 'old@acme.com']);

    const forced = await runCli(['deliver', out, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain(`warning: ${out} was already delivered (`);
    expect(forced.stderr).toContain('; delivering it again (--force)\n');
    expect(emails()).toEqual(['a@acme.com', 'a@acme.com', 'b@acme.com', 'b@acme.com', 'old@acme.com']);
  });

  it('the recommended retry: transform the events again to the same file, deliver it: updates, no duplicates', async () => {
    const events = [identify('a@acme.com'), identify('b@acme.com', { title: 'CFO' })];
    const out = await transformTo(events);
    expect((await runCli(['deliver', out])).code).toBe(0);
    expect(emails()).toEqual(['a@acme.com', 'b@acme.com']);

    await transformTo(events);
    const retry = await runCli(['deliver', out]);
    expect(retry.code).toBe(0);
    expect(retry.stderr).toBe('');
    expect(retry.stdout).toMatch(/^1 +200 +delivered +updated Lead 00Q\w+$/m);
    expect(emails()).toEqual(['a@acme.com', 'b@acme.com']);
  });

  it('counts the records of collections creates, inside a composite request too', async () => {
    simulator.current.state.seed('Lead', { Email: 'old@acme.com', LastName: 'Old', Company: 'Acme' });
    const out = await transformTo(
      [identify('a@acme.com'), identify('b@acme.com'), identify('c@acme.com'), identify('old@acme.com')],
      { writeMode: 'collections' },
    );
    const [element] = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { batchedRequest: { endpoint: string } });
    expect(element.batchedRequest.endpoint).toMatch(/\/composite$/);
    const run = await runCli(['deliver', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`warning: ${out} creates 3 records (POST).`);
  });

  it('no warning for a file of updates, but a second delivery is still refused', async () => {
    const id = simulator.current.state.seed('Lead', {
      Email: 'old@acme.com',
      LastName: 'Old',
      Company: 'Acme',
    });
    const out = await transformTo([identify('old@acme.com', { title: 'CEO' })]);
    const first = await runCli(['deliver', out]);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(simulator.current.state.get('Lead', id)?.Title).toBe('CEO');
    const second = await runCli(['deliver', out]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('Delivering it again re-sends its requests. To retry failed jobs');
  });

  it('a run that did not finish still marks the file, and the refusal says some requests may have been sent', async () => {
    const out = await transformTo([identify('a@acme.com')]);
    const sha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
    const started = { file: 'outputs.ndjson', sha256, state: 'started', startedAt: 'earlier', creates: 1 };
    writeFileSync(`${out}.delivered`, JSON.stringify(started));
    const run = await runCli(['deliver', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `(${out}.delivered: a delivery started earlier and did not finish: some of its requests may have been sent)`,
    );
    expect(run.stderr).toContain('its 1 record create would make duplicate records');
    expect(emails()).toEqual([]);
  });

  it('a marker that is not one: exit 2 naming it and the fix; --force delivers', async () => {
    const out = await transformTo([identify('a@acme.com')]);
    writeFileSync(`${out}.delivered`, 'garbage');
    const run = await runCli(['deliver', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: ${out}.delivered is not a delivery marker written by deliver: check whether ${out} was delivered, then remove ${out}.delivered or pass --force\n`,
    );
    expect(emails()).toEqual([]);
    expect((await runCli(['deliver', out, '--force'])).code).toBe(0);
    expect(emails()).toEqual(['a@acme.com']);
  });

  it('a file with nothing deliverable is not marked', async () => {
    const out = await transformTo([{ ...identify('a@acme.com'), integrations: {} }]);
    const run = await runCli(['deliver', out]);
    expect(run.code).toBe(0);
    expect(existsSync(`${out}.delivered`)).toBe(false);
  });
});
