/**
 * A check of an input's shape before anything else touches it: nesting deeper than a limit (deep enough input makes
 * every recursive reader — JSON.stringify, schema validators, loggers — overflow the stack), and keys that could
 * reach an object's prototype (`__proto__`, or `prototype` under `constructor`). The walk never goes deeper than the
 * limit (recursion only under a small limit, an explicit stack otherwise), so the check itself can never overflow,
 * whatever the input.
 */

/** Deeper than any real event: a Rudder event nests a few levels (context.traits.address.city...). */
export const MAX_INPUT_DEPTH = 64;

export interface ShapeProblem {
  kind: 'depth' | 'prototypeKey';
  /** Where it is, as a dotted path from the checked value (`message.traits.title[0][0]`). */
  path: string;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Deeper limits than this are checked with an explicit stack: recursion as deep as the limit could overflow. */
const MAX_RECURSIVE_DEPTH = 256;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Whether `node` (at `depth`) has a problem, recursively: the recursion stops at `maxDepth`, which the caller keeps
 * at most {@link MAX_RECURSIVE_DEPTH}, so it cannot overflow. No path and no key list is built.
 */
function problemWithin(node: object, depth: number, maxDepth: number, underConstructor: boolean): boolean {
  if (depth >= maxDepth) return true;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i += 1) {
      const child: unknown = node[i];
      if (child !== null && typeof child === 'object' && problemWithin(child, depth + 1, maxDepth, false))
        return true;
    }
    return false;
  }
  for (const key in node) {
    if (!hasOwn.call(node, key)) continue; // own enumerable keys, as Object.keys lists them
    if (key === '__proto__' || (key === 'prototype' && underConstructor)) return true;
    const child = (node as Record<string, unknown>)[key];
    if (
      child !== null &&
      typeof child === 'object' &&
      problemWithin(child, depth + 1, maxDepth, key === 'constructor')
    )
      return true;
  }
  return false;
}

/**
 * Whether `value` has a problem, without building any path. It visits the same nodes as {@link locateProblem}, so
 * the two agree on whether there is a problem.
 */
function hasProblem(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (maxDepth <= MAX_RECURSIVE_DEPTH) return problemWithin(value, 0, maxDepth, false);
  return locateProblem(value, '', maxDepth) !== undefined;
}

/** The first problem found in `value` and its path (`root` prefixes it), or undefined. */
function locateProblem(value: unknown, root: string, maxDepth: number): ShapeProblem | undefined {
  const stack: { value: unknown; path: string; depth: number; parentKey?: string }[] = [
    { value, path: root, depth: 0 },
  ];
  while (stack.length) {
    const item = stack.pop() as (typeof stack)[number];
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= maxDepth) return { kind: 'depth', path: item.path };
    if (Array.isArray(item.value)) {
      item.value.forEach((child, i) =>
        stack.push({ value: child, path: childPath(item.path, i), depth: item.depth + 1 }),
      );
      continue;
    }
    for (const key of Object.keys(item.value)) {
      const path = childPath(item.path, key);
      if (key === '__proto__' || (key === 'prototype' && item.parentKey === 'constructor')) {
        return { kind: 'prototypeKey', path };
      }
      const child = (item.value as Record<string, unknown>)[key];
      stack.push({ value: child, path, depth: item.depth + 1, parentKey: key });
    }
  }
  return undefined;
}

/**
 * The first problem found in `value`, or undefined. `root` prefixes the paths. Every input is checked, few have a
 * problem: paths are built only once one is known to exist.
 */
export function shapeProblem(
  value: unknown,
  root = '',
  maxDepth = MAX_INPUT_DEPTH,
): ShapeProblem | undefined {
  return hasProblem(value, maxDepth) ? locateProblem(value, root, maxDepth) : undefined;
}

/** The problem as a sentence naming the path and the fix; `limit` is the depth the caller checked the value to. */
export function describeShapeProblem(problem: ShapeProblem, limit = MAX_INPUT_DEPTH): string {
  return problem.kind === 'depth'
    ? `${problem.path || 'the input'} is nested more than ${limit} levels deep; flatten it (no event needs that depth)`
    : `${problem.path} is a key that could change an object's prototype; rename it`;
}
