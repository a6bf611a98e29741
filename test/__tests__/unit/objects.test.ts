/**
 * spreadBoth / spreadWith give exactly the object a spread gives: same own keys in the same order, same values,
 * later sources winning, a fresh plain object; a `__proto__` key stays an own key and never sets a prototype.
 */
import fc from 'fast-check';
import { spreadBoth, spreadWith } from '../../../src/framework/objects';

/** Plain objects as JSON gives them, `__proto__` and `constructor` keys included as own keys. */
const keyArb = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'a', 'b', '0', '10', 'toString'),
  fc.string(),
);
const objectArb = fc
  .array(fc.tuple(keyArb, fc.oneof(fc.integer(), fc.string(), fc.constant(null))), { maxLength: 6 })
  .map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as Record<string, unknown>)
  .chain((o) => fc.constantFrom(o, withProtoKey(o)));

function withProtoKey(o: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(o).replace(/^\{/, '{"__proto__":{"polluted":true}' + (Object.keys(o).length ? ',' : '')),
  ) as Record<string, unknown>;
}

function sameObject(actual: object, expected: object): void {
  expect(Object.getPrototypeOf(actual)).toBe(Object.prototype);
  expect(Reflect.ownKeys(actual)).toEqual(Reflect.ownKeys(expected));
  for (const key of Reflect.ownKeys(expected)) {
    expect((actual as Record<PropertyKey, unknown>)[key]).toBe(
      (expected as Record<PropertyKey, unknown>)[key],
    );
  }
}

describe('object spreads', () => {
  it('spreadBoth(a, b) equals { ...a, ...b } and copies neither source', () => {
    fc.assert(
      fc.property(objectArb, objectArb, (a, b) => {
        const out = spreadBoth(a, b);
        sameObject(out, { ...a, ...b });
        expect(out).not.toBe(a);
        expect(out).not.toBe(b);
      }),
      { numRuns: 500 },
    );
  });

  it('spreadWith(base, key, value) equals { ...base, [key]: value } and leaves base unchanged', () => {
    fc.assert(
      fc.property(objectArb, keyArb, fc.integer(), (base, key, value) => {
        const before = JSON.stringify(base);
        sameObject(spreadWith(base, key, value), { ...base, [key]: value });
        expect(JSON.stringify(base)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a __proto__ key as an own property and pollutes nothing', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const both = spreadBoth({ b: 2 }, hostile);
    expect(Object.keys(both)).toEqual(['b', '__proto__', 'a']);
    expect(Object.getPrototypeOf(both)).toBe(Object.prototype);
    const withKey = spreadWith({ a: 1 } as Record<string, unknown>, '__proto__', { polluted: true });
    expect(Object.keys(withKey)).toEqual(['a', '__proto__']);
    expect(Object.getPrototypeOf(withKey)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('later sources win and keep the first position of their key', () => {
    expect(Object.entries(spreadBoth({ a: 1, b: 2 }, { c: 3, a: 4 }))).toEqual([
      ['a', 4],
      ['b', 2],
      ['c', 3],
    ]);
    expect(Object.entries(spreadWith({ a: 1, b: 2 } as Record<string, number>, 'a', 5))).toEqual([
      ['a', 5],
      ['b', 2],
    ]);
  });
});
