/**
 * The host's per-event shape check walks each member of an event on its own, without copying the event: it must
 * report the same first problem, at the same path, as `shapeProblem` over a copy of the event without its
 * destination object (destination checked first, on its own). Random events built from JSON text, with prototype
 * keys, `constructor` members and arrays near the depth limit. And nothing reads an event before that check in a
 * way that recurses: not the compacted payload's id lookup either.
 */
import { useServer } from './harness';
import fc from 'fast-check';
import { MAX_INPUT_DEPTH, shapeProblem, type ShapeProblem } from '../../../src/framework/shape';
import { inputShapeProblem, shareDestinations } from '../../../src/server/inputs';
import { destination, echoed, fakeHandlers, identify, meta } from './fixtures';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The check as a walk over a copy of the event (the reference). */
function copyingWalk(raw: Record<string, unknown>, root: string): ShapeProblem | undefined {
  const { destination } = raw;
  if (isObject(destination)) {
    const problem = shapeProblem(destination, 'destination', MAX_INPUT_DEPTH - 1);
    if (problem) return { kind: problem.kind, path: `${root}.${problem.path}` };
  }
  const rest = Object.fromEntries(
    Object.entries(raw).filter(([k, v]) => k !== 'destination' || !isObject(v)),
  );
  return shapeProblem(rest, root);
}

/** JSON text of an object with these members (a `__proto__` member stays an own key, as JSON.parse makes it). */
const objectText = (members: [string, string][]) =>
  `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

const key = fc.constantFrom('a', 'b', '__proto__', 'constructor', 'prototype', 'destination', 'message');
const deepArray = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const leaf = fc.oneof(
  fc.integer().map(String),
  fc.constant('null'),
  fc.integer({ min: MAX_INPUT_DEPTH - 8, max: MAX_INPUT_DEPTH + 4 }).map(deepArray),
);
const { node } = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map(objectText),
  ),
}));
const event = fc
  .array(fc.tuple(key, node), { maxLength: 5 })
  .map((members) => JSON.parse(objectText(members)) as Record<string, unknown>);

describe('inputShapeProblem', () => {
  it('reports what a walk over a copy of the event reports', () => {
    fc.assert(
      fc.property(event, (raw) => {
        expect(inputShapeProblem(raw, 'input[0]')).toEqual(copyingWalk(raw, 'input[0]'));
      }),
      { numRuns: 3000 },
    );
  });

  it('shareDestinations shares a destination copy only with an equal one of a good shape', () => {
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 4 }), (configs) => {
        const inputs = [...configs, ...configs].map((config) => ({
          destination: JSON.parse(`{"ID":"d","Config":${config}}`) as Record<string, unknown>,
        }));
        shareDestinations(inputs);
        const good = configs.map(
          (c) => !shapeProblem(JSON.parse(c), 'destination.Config', MAX_INPUT_DEPTH - 2),
        );
        configs.forEach((_, i) => {
          const [first, second] = [inputs[i].destination, inputs[i + configs.length].destination];
          expect(first === second).toBe(good[i]);
        });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the compacted payload with a deep id', () => {
  const { start, inject } = useServer();

  it.each(['destinationId', 'sourceId'])(
    'refuses the event whose %s is a deeply nested array, alone',
    async (key) => {
      start({ handlers: fakeHandlers().handlers });
      const dest = destination();
      const deep = `${'['.repeat(200_000)}"${dest.ID}"${']'.repeat(200_000)}`;
      const good = {
        message: identify('ok@initech.com', { lastName: 'Ok', company: 'C' }),
        metadata: meta(2),
      };
      const badMetadata = JSON.stringify({ ...meta(1), [key]: '@' }).replace('"@"', deep);
      const payload =
        `{"destType":"salesforce","input":[{"message":${JSON.stringify(good.message)},"metadata":${badMetadata}},` +
        `${JSON.stringify(good)}],"destinations":${JSON.stringify({ [dest.ID]: dest })}}`;
      const reply = await inject({
        method: 'POST',
        url: '/routerTransform',
        payload,
        headers: { 'content-type': 'application/json', 'x-content-format': 'json+compactedv1' },
      });
      expect(reply.statusCode).toBe(200);
      const { output } = reply.json<{
        output: { statusCode: number; error?: string; destination?: unknown }[];
      }>();
      expect(output).toHaveLength(2);
      expect(output[0].statusCode).toBe(400);
      expect(output[0].error).toContain(`input[0].metadata.${key}[0]`);
      expect(output[1].statusCode).toBe(200);
      expect(output[1].destination).toEqual(echoed(dest));
    },
  );
});
