/**
 * `sf-destination transform` offline (placeholder session, lookups find nothing): its summary counts jobs and output
 * elements apart, and every input line is accounted for in exactly one element.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli';
import { renderSummary } from '../../../src/cli/transform';
import { identify, ndjson, runCli, useTempDir } from './helpers';

const dir = useTempDir();

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

describe('sf-destination transform on deep input', () => {
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  const good = (email: string) => JSON.stringify(identify(email));
  const event = (fields: string) => `{"type":"identify","integrations":{"Salesforce":true},${fields}}`;
  const traits = '"traits":{"email":"d@acme.com","lastName":"Deep","company":"Acme"}';

  it.each([
    [
      'in the traits (the destination refuses it)',
      event(`"userId":"d",${traits.replace('"company"', `"title":${deep},"company"`)}`),
      /^Invalid event: input\[1\]\.message\.traits\.title(\[0\])+ is nested more than 64 levels deep; flatten it/,
    ],
    [
      'in the metadata the CLI echoes',
      `{"message":${event(`"userId":"d",${traits}`)},"metadata":{"jobId":2,"x":${deep}}}`,
      /:2: metadata\.x(\[0\]){63} is nested more than 64 levels deep; flatten it/,
    ],
    [
      'as the userId',
      event(`"userId":${deep},${traits}`),
      /:2: message\.userId is an array; it must be a string \(or a number\)$/,
    ],
    [
      "in the line's own destination",
      `{"message":${event(`"userId":"d",${traits}`)},"destination":{"ID":"d","Config":{"x":${deep}}}}`,
      /:2: destination\.Config\.x(\[0\]){62} is nested more than 64 levels deep; flatten it/,
    ],
  ])(
    'a line nested 200,000 levels deep %s is its own error element; the lines around it are written',
    async (_where, line, error) => {
      const events = dir.file('events.ndjson', `${good('a@acme.com')}\n${line}\n${good('b@acme.com')}\n`);
      const out = join(dir.path, 'out.ndjson');
      const withConfig = !line.includes('"destination"');
      const config = withConfig ? ['--config', dir.file('config.json', {})] : [];
      const run = await runCli(['transform', events, ...config, '--offline', '--out', out]);
      expect(run.code).toBe(0);
      const elements = elementsOf(readFileSync(out, 'utf8')) as (Element & { error?: string })[];
      const byJob = new Map(elements.flatMap((e) => e.metadata.map((m) => [m.jobId, e] as const)));
      expect([...byJob.keys()].sort()).toEqual([1, 2, 3]);
      expect(byJob.get(2)?.statusCode).toBe(400);
      expect(byJob.get(2)?.error).toMatch(error);
      if (withConfig) {
        expect(byJob.get(1)?.statusCode).toBe(200);
        expect(byJob.get(3)?.statusCode).toBe(200);
      }
    },
  );

  it('--out holds every element written so far when a later step fails', async () => {
    const events = dir.file(
      'events.ndjson',
      [good('a@acme.com'), event(`"userId":${deep}`), good('b@acme.com')].join('\n'),
    );
    const out = join(dir.path, 'out.ndjson');
    // The file is over 256 KB, so a progress line follows each batch; the second one fails, after batch 2 is written.
    let progressLines = 0;
    let stderr = '';
    const code = await main(
      [
        'transform',
        events,
        '--config',
        dir.file('config.json', {}),
        '--offline',
        '--batch-size',
        '1',
        '--out',
        out,
      ],
      {
        out: () => undefined,
        err: (text) => {
          if (text.startsWith('transform ') && ++progressLines === 2) throw new Error('stderr closed');
          stderr += text;
        },
        errIsTTY: false,
      },
    );
    expect(code).toBe(1);
    expect(stderr).toContain('error: Error: stderr closed');
    const elements = elementsOf(readFileSync(out, 'utf8'));
    expect(elements.map((e) => [e.metadata[0].jobId, e.statusCode])).toEqual([
      [1, 200],
      [2, 400],
    ]);
  });
});
