/**
 * `deliver` reads only router output elements, one per line, as `transform` writes them. A file that holds anything
 * else is refused with exit 2 before any request is sent, naming the first offending line, what it holds and what
 * `deliver` expects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoDestinationConfig } from '../../../tools/salesforce-sim';
import { identify, ndjson, runCli, useSimulator, useTempDir } from './helpers';

const simulator = useSimulator();
const dir = useTempDir();

const EXPECTED =
  'deliver expects NDJSON with one router output element per line ({batchedRequest, metadata: [...], batched, ' +
  'statusCode, destination}), as `sf-destination transform <events.ndjson> --out <outputs.ndjson>` writes them';
const RUN_TRANSFORM =
  'run `sf-destination transform <events.ndjson> --config <destination-config.json> --out outputs.ndjson` on the ' +
  'events first, then `sf-destination deliver outputs.ndjson`';

/** Router output elements for two new Leads, from `transform` against the simulator. */
async function goodOutputLines(): Promise<string[]> {
  const events = dir.file('events.ndjson', ndjson([identify('a@acme.com'), identify('b@acme.com')]));
  const out = join(dir.path, 'good.ndjson');
  const config = dir.file('config.json', demoDestinationConfig(simulator.current.url));
  const run = await runCli(['transform', events, '--config', config, '--out', out]);
  expect(run.code).toBe(0);
  return readFileSync(out, 'utf8').trim().split('\n');
}

async function refused(lines: unknown[]): Promise<{ stderr: string; file: string }> {
  const file = dir.file('outputs.ndjson', ndjson(lines));
  const run = await runCli(['deliver', file]);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  return { stderr: run.stderr, file };
}

describe('sf-destination deliver on a file that is not router output', () => {
  it('an events file: exit 2, says it holds events and to run transform first', async () => {
    const { stderr, file } = await refused([identify('a@acme.com'), identify('b@acme.com')]);
    expect(stderr).toBe(
      `error: ${file}:1 holds an event (type "identify"), as in an events file. ${EXPECTED}; ${RUN_TRANSFORM}.\n`,
    );
  });

  it('a file of {message, destination} inputs: names it a transform input', async () => {
    const input = { message: identify('a@acme.com'), destination: { ID: 'd', Config: {} } };
    const { stderr, file } = await refused([input]);
    expect(stderr).toBe(
      `error: ${file}:1 holds a transform input ({message, destination, metadata}), as in an events file. ${EXPECTED}; ${RUN_TRANSFORM}.\n`,
    );
  });

  it('a processor output: says deliver sends router output', async () => {
    const [good] = await goodOutputLines();
    const element = JSON.parse(good) as { batchedRequest: unknown };
    const processorOutput = { output: element.batchedRequest, metadata: { jobId: 1 }, statusCode: 200 };
    const { stderr, file } = await refused([processorOutput]);
    expect(stderr).toContain(
      `error: ${file}:1 holds a processor transform output (one event per element, \`output\` and a \`metadata\` object). ${EXPECTED}; deliver sends router output instead: ${RUN_TRANSFORM}.`,
    );
  });

  it('a whole /routerTransform reply, or a JSON array: says to write one element per line', async () => {
    const lines = await goodOutputLines();
    const elements = lines.map((l) => JSON.parse(l) as unknown);
    const reply = await refused([{ output: elements }]);
    expect(reply.stderr).toContain(
      `${reply.file}:1 holds a whole /routerTransform reply ({output: [...]}). ${EXPECTED}; write each element of its output array on its own line.`,
    );
    const array = await refused([elements]);
    expect(array.stderr).toContain(
      `${array.file}:1 holds a JSON array. ${EXPECTED}; write one element per line, not an array.`,
    );
  });

  it('names the first bad line after good ones, and sends nothing from the file', async () => {
    const good = await goodOutputLines();
    const { stderr, file } = await refused([...good, '', { statusCode: 200, metadata: [{ jobId: 9 }] }, 'x']);
    expect(stderr).toBe(
      `error: ${file}:4: a router output element with statusCode 200 must carry batchedRequest (the request to send); ${EXPECTED}\n`,
    );
    expect(simulator.current.state.records('Lead')).toEqual([]);
  });

  it('an object with a wrong field: names the field', async () => {
    const { stderr, file } = await refused([{ statusCode: '200', metadata: [] }]);
    expect(stderr).toContain(`${file}:1 holds an object that is not a router output element: `);
    expect(stderr).toContain('element.metadata must NOT have fewer than 1 items');
    expect(stderr).toContain('element.statusCode must be integer');
  });

  it('a line that is not JSON: names it', async () => {
    const good = await goodOutputLines();
    const { stderr, file } = await refused([good[0], '{"statusCode": 200,']);
    expect(stderr).toMatch(
      new RegExp(`^error: ${file}:2 is not valid JSON \\(.+\\); deliver expects NDJSON`),
    );
    expect(simulator.current.state.records('Lead')).toEqual([]);
  });

  it('a line nested 200,000 levels deep: refused naming the line and the path, no crash', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const line = `{"statusCode":400,"metadata":[{"jobId":1,"x":${deep}}],"batched":false,"error":"e"}`;
    const { stderr, file } = await refused([line]);
    expect(stderr).toContain(`error: ${file}:1: metadata[0].x[0]`);
    // The limit an outputs file is checked to: an element wraps events (at most 64 deep) in 16 more levels.
    expect(stderr).toContain('is nested more than 80 levels deep');
  });

  it('an empty file: nothing to deliver, exit 0', async () => {
    const file = dir.file('outputs.ndjson', '\n');
    const run = await runCli(['deliver', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`${file} holds no output elements: nothing to deliver\n`);
  });

  it('a missing file: exit 2 naming it', async () => {
    const run = await runCli(['deliver', join(dir.path, 'none.ndjson')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: Cannot read outputs file ${join(dir.path, 'none.ndjson')}: no such file\n`,
    );
  });
});
