/**
 * `sf-destination transform` offline (placeholder session, lookups find nothing): its summary counts jobs and output
 * elements apart, and every input line is accounted for in exactly one element.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSummary } from '../../../src/cli/transform';
import { runCli, TempDir } from './helpers';

let dir: TempDir;
beforeEach(() => (dir = new TempDir()));
afterEach(() => dir.remove());

const identify = (email: string, traits: Record<string, unknown> = {}) => ({
  type: 'identify',
  userId: email,
  integrations: { Salesforce: true },
  traits: { email, lastName: 'Smith', company: 'Acme', ...traits },
});
const ndjson = (lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

interface Element {
  statusCode: number;
  metadata: { jobId: number }[];
}
const elementsOf = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Element);

describe('sf-destination transform summary', () => {
  const mixed = ndjson([
    identify('a@acme.com'), // 1: create
    identify('b@acme.com'), // 2: create
    identify('A@acme.com', { phone: '+1 555 0100' }), // 3: same new email as 1: merged into its create
    { ...identify('skip@acme.com'), integrations: {} }, // 4: filtered
    'not JSON', // 5: aborted
    { type: 'track', event: 'Order Completed', integrations: { Salesforce: true } }, // 6: aborted
    '', // 7: blank, not a job
    identify('c@acme.com'), // 8: create
  ]);

  it('reports jobs by outcome, adding up to the input lines, and the elements on their own line', async () => {
    const events = dir.file('events.ndjson', mixed);
    const out = join(dir.path, 'out.ndjson');
    const config = dir.file('config.json', {});
    const run = await runCli(['transform', events, '--config', config, '--offline', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'transformed 7 jobs (one per input line): 4 success, 1 filtered, 2 aborted, 0 throttled, 0 retryable\n' +
        `wrote 6 output elements (an element carries one or more jobs) to ${out}\n`,
    );
    const elements = elementsOf(readFileSync(out, 'utf8'));
    expect(elements).toHaveLength(6);
    const jobs = elements.flatMap((e) => e.metadata.map((m) => m.jobId));
    expect(jobs.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 8]);
    const merged = elements.find((e) => e.metadata.length === 2);
    expect(merged?.metadata.map((m) => m.jobId)).toEqual([1, 3]);
    expect(merged?.statusCode).toBe(200);
  });

  it('counts the same jobs when the duplicates fall into different batches (more elements, same jobs)', async () => {
    const run = await runCli([
      'transform',
      dir.file('events.ndjson', mixed),
      '--config',
      dir.file('config.json', {}),
      '--offline',
      '--batch-size',
      '2',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'transformed 7 jobs (one per input line): 4 success, 1 filtered, 2 aborted, 0 throttled, 0 retryable\n' +
        'wrote 7 output elements (an element carries one or more jobs) to stdout\n',
    );
    expect(elementsOf(run.stdout)).toHaveLength(7);
  });

  it('names throttled and retryable jobs, and uses the singular for one', () => {
    const text = renderSummary(
      { jobs: 1, outcomes: { success: 0, filtered: 0, aborted: 0, throttled: 1, retryable: 0 }, elements: 1 },
      undefined,
    );
    expect(text).toBe(
      'transformed 1 job (one per input line): 0 success, 0 filtered, 0 aborted, 1 throttled, 0 retryable\n' +
        'wrote 1 output element (an element carries one or more jobs) to stdout\n',
    );
  });
});
