/**
 * Object spreads that stay fast. In the V8 of Node 20, a spread followed by more properties (`{ ...a, k: v }`,
 * `{ ...a, ...b }`) leaves the fast path: it takes microseconds where `Object.assign` takes tens of nanoseconds, and
 * the destination does it for every job. These helpers give the same object as the spread: the own enumerable
 * properties of each source in order, later ones winning, in a fresh plain object.
 *
 * The one difference between the two is a key named `__proto__`: a spread defines it as an own property, while
 * `Object.assign` would set the new object's prototype. A source with an own `__proto__` key therefore takes the
 * spread itself.
 */

const hasOwn = Object.prototype.hasOwnProperty;

const hasProtoKey = (value: object): boolean => hasOwn.call(value, '__proto__');

/** `{ ...a, ...b }`. */
export function spreadBoth<A extends object, B extends object>(a: A, b: B): A & B {
  if (hasProtoKey(a) || hasProtoKey(b)) return { ...a, ...b };
  return Object.assign({}, a, b);
}

/** `{ ...base, [key]: value }`. */
export function spreadWith<T extends object, K extends keyof T>(base: T, key: K, value: T[K]): T {
  if (hasProtoKey(base) || key === '__proto__') return { ...base, [key]: value };
  const out = Object.assign({}, base);
  out[key] = value;
  return out;
}
