/** The input shape check (src/framework/shape.ts): depth and prototype keys, found without recursion. */
import fc from 'fast-check';
import { describeShapeProblem, MAX_INPUT_DEPTH, shapeProblem } from '../../../src/framework/shape';

/** An array nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}

describe('shapeProblem', () => {
  it('accepts ordinary events', () => {
    const event = {
      type: 'identify',
      traits: { email: 'a@b.com', address: { city: 'X' } },
      context: { externalId: [{ id: 1 }] },
    };
    expect(shapeProblem(event, 'message')).toBeUndefined();
    expect(shapeProblem(null)).toBeUndefined();
    expect(shapeProblem('text')).toBeUndefined();
  });

  it('names the path where the nesting passes the limit', () => {
    const problem = shapeProblem({ traits: { title: nested(MAX_INPUT_DEPTH) } }, 'message');
    expect(problem?.kind).toBe('depth');
    expect(problem?.path).toMatch(/^message\.traits\.title(\[0\])+$/);
    expect(shapeProblem({ traits: { title: nested(MAX_INPUT_DEPTH - 3) } }, 'message')).toBeUndefined();
  });

  it('walks 200,000 levels without overflowing the stack', () => {
    expect(shapeProblem(nested(200_000))?.kind).toBe('depth');
  });

  it.each([
    ['__proto__ at the top', JSON.parse('{"__proto__": {"polluted": true}}'), '__proto__'],
    ['__proto__ in traits', JSON.parse('{"traits": {"__proto__": {"x": 1}}}'), 'traits.__proto__'],
    [
      'constructor.prototype',
      JSON.parse('{"traits": {"constructor": {"prototype": {"x": 1}}}}'),
      'traits.constructor.prototype',
    ],
  ])('finds %s', (_name, value, path) => {
    const problem = shapeProblem(value);
    expect(problem).toEqual({ kind: 'prototypeKey', path });
    expect(describeShapeProblem(problem!)).toContain(path);
  });

  it('allows keys named constructor or prototype on their own', () => {
    expect(
      shapeProblem({ constructor: 'x', prototype: { a: 1 }, traits: { constructor: { name: 'y' } } }),
    ).toBeUndefined();
  });

  it('never throws, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        shapeProblem(value);
      }),
    );
  });
});
