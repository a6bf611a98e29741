/**
 * Turning a request body into transform inputs: the compacted payload (rudder-contract.md A.1.1), the `oauth-secret` header
 * (A.2.1), the `X-Feature-*` headers, and a per-event check against the contract schema.
 *
 * The request envelope (an array; `{input, destType}`) is checked by fastify before the handler runs. Each event is
 * checked here, so one malformed event becomes its own error element and never fails the other events: first its
 * shape (`shapeProblem`: nesting past 64 levels, prototype keys), by a walk bounded by that depth, before anything
 * recursive (ajv, a serializer) reads it; then the element schema of `ProcessorRequestSchema` /
 * `RouterRequestSchema`. Nothing in the host recurses over input it has not shape-checked, except the comparison of
 * destinations (shareDestinations), whose recursion is bounded by a destination that passed its check.
 */
import type { ErrorObject as AjvError } from 'ajv';
import {
  ConfigurationError,
  InstrumentationError,
  PlatformError,
  type BaseError,
  type StatTags,
} from '../framework/errors';
import { describeShapeProblem, MAX_INPUT_DEPTH, shapeProblem, type ShapeProblem } from '../framework/shape';
import { ProcessorRequestSchema, type Metadata, type TransformInput } from '../framework/types';
import { ajv, describeAjvErrors, isObject } from '../framework/validate';

const validateEvent = ajv.compile<TransformInput>(ProcessorRequestSchema.items);
/** The same check with the destination taken as checked: for events whose destination object already passed. */
const validateEventOfCheckedDestination = ajv.compile<TransformInput>({
  ...ProcessorRequestSchema.items,
  properties: { ...ProcessorRequestSchema.items.properties, destination: { type: 'object' } },
});
/**
 * Destination objects that passed the schema. The inputs of one request share their destination object (always in
 * the compacted form), so it is checked once per request, not once per event.
 */
const checkedDestinations = new WeakSet<object>();

export type CheckedInput =
  | { ok: true; index: number; input: TransformInput }
  | { ok: false; index: number; error: BaseError; metadata?: Metadata };

/**
 * Metadata as it can be echoed in an error element. Metadata whose own shape is bad (too deep to serialise, or with
 * a prototype key) is cut to its top-level plain values: the job id, user id, attempt number... that rudder-server
 * reads back (rudder-server.md 1.4).
 */
export function echoableMetadata(value: Record<string, unknown>): Metadata {
  if (!shapeProblem(value)) return value as Metadata;
  const plain = Object.entries(value).filter(
    ([key, item]) => key !== '__proto__' && (item === null || typeof item !== 'object'),
  );
  return Object.fromEntries(plain) as Metadata;
}

/** The metadata of a raw event, when it has an object there (to echo it in an error element). */
function metadataOf(raw: unknown): Metadata | undefined {
  return isObject(raw) && isObject(raw.metadata) ? echoableMetadata(raw.metadata) : undefined;
}

/** Shape problems of destination objects, found once per object: the inputs of a request share their destination. */
const destinationShapes = new WeakMap<object, ShapeProblem | null>();

/** The shape problem of a destination object, with paths from `destination`, as deep as seen from its event. */
function destinationShape(destination: Record<string, unknown>): ShapeProblem | undefined {
  let problem = destinationShapes.get(destination);
  if (problem === undefined) {
    problem = shapeProblem(destination, 'destination', MAX_INPUT_DEPTH - 1) ?? null;
    destinationShapes.set(destination, problem);
  }
  return problem ?? undefined;
}

/** `key` of `parent` as a path: `root.key`, or `key` at the root. */
function memberPath(root: string, key: string): string {
  return root ? `${root}.${key}` : key;
}

/**
 * How messages name the events of a request from their index (`input[3]`), built only when a message needs it: most
 * events have no problem, and a name per event is garbage per event.
 */
export type RootOf = (index: number) => string;

/** Events named `name[index]`. */
export function rootIn(name: string): RootOf {
  return (index) => `${name}[${index}]`;
}

function nameOf(root: string | RootOf, index: number): string {
  return typeof root === 'string' ? root : root(index);
}

/**
 * The first shape problem of an event (paths from its name, `root`): its destination (checked once per object), then
 * the rest, as `shapeProblem` of the event without its destination object would report it. That walk looks at the
 * event's own keys first, then goes through its members depth first from the last one, so each member is checked here
 * on its own in that order (one level down, so one level less deep), without copying the event. Paths are built only
 * for the member that has a problem.
 */
export function inputShapeProblem(
  raw: Record<string, unknown>,
  root: string | RootOf,
  index = 0,
): ShapeProblem | undefined {
  const { destination } = raw;
  const skip = isObject(destination) ? 'destination' : undefined;
  if (skip) {
    const problem = destinationShape(destination as Record<string, unknown>);
    if (problem) return { kind: problem.kind, path: `${nameOf(root, index)}.${problem.path}` };
  }
  const keys = Object.keys(raw);
  if (keys.includes('__proto__')) {
    return { kind: 'prototypeKey', path: memberPath(nameOf(root, index), '__proto__') };
  }
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i];
    if (key === skip) continue;
    // Under `constructor`, a `prototype` key is a problem: only a walk from the event itself knows the parent key.
    const member = key === 'constructor' ? { constructor: raw[key] } : raw[key];
    const depth = key === 'constructor' ? MAX_INPUT_DEPTH : MAX_INPUT_DEPTH - 1;
    if (!shapeProblem(member, '', depth)) continue;
    const name = nameOf(root, index);
    return shapeProblem(member, key === 'constructor' ? name : memberPath(name, key), depth);
  }
  return undefined;
}

/** `path` is `prefix` or inside it (`input[0].message` is inside `input[0].message`, not `input[0].messages`). */
function within(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Which error a shape problem is: where it is says whose fault it is, as for a schema failure. */
function shapeError(problem: ShapeProblem, root: string): BaseError {
  const sentence = describeShapeProblem(problem);
  if (within(problem.path, `${root}.destination`))
    return new ConfigurationError(`Invalid destination: ${sentence}`);
  if (within(problem.path, `${root}.message`)) return new InstrumentationError(`Invalid event: ${sentence}`);
  return new PlatformError(`Invalid transform input: ${sentence}`);
}

/** Which error a schema failure is: a bad destination is a configuration problem, a bad message the event's. */
function schemaError(errors: AjvError[], root: string): BaseError {
  const described = describeAjvErrors(errors, root);
  const first = errors[0];
  const path = `${first?.instancePath ?? ''}/${String((first?.params as { missingProperty?: unknown })?.missingProperty ?? '')}`;
  if (path.startsWith('/destination')) return new ConfigurationError(`Invalid destination: ${described}`);
  if (path.startsWith('/message')) return new InstrumentationError(`Invalid event: ${described}`);
  return new PlatformError(`Invalid transform input: ${described}`);
}

function isValidEvent(raw: Record<string, unknown>): raw is TransformInput {
  const { destination } = raw;
  if (isObject(destination) && checkedDestinations.has(destination)) {
    if (validateEventOfCheckedDestination(raw)) return true;
    validateEvent(raw); // every error of the event, not only those the quick check looks for
    return false;
  }
  if (!validateEvent(raw)) return false;
  checkedDestinations.add(raw.destination);
  return true;
}

/** Check one event: its shape, then the contract schema. `root` names it in messages (`input[3]`, or rootIn('input')). */
export function checkInput(raw: unknown, index: number, root: string | RootOf): CheckedInput {
  if (!isObject(raw)) {
    const message = `Invalid transform input: ${nameOf(root, index)} must be an object`;
    return { ok: false, index, error: new PlatformError(message) };
  }
  const problem = inputShapeProblem(raw, root, index);
  if (problem) {
    return { ok: false, index, error: shapeError(problem, nameOf(root, index)), metadata: metadataOf(raw) };
  }
  if (isValidEvent(raw)) return { ok: true, index, input: raw };
  return {
    ok: false,
    index,
    error: schemaError(validateEvent.errors ?? [], nameOf(root, index)),
    metadata: metadataOf(raw),
  };
}

/** `x-content-format: json+compactedv1`: destinations and connections sent once, referenced by id. */
const COMPACTED_FORMAT = 'json+compactedv1';

export interface CompactedBody {
  input: unknown[];
  destinations?: Record<string, unknown>;
  connections?: Record<string, unknown>;
}

function ownValue(record: Record<string, unknown>, key: string | undefined): unknown {
  return key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * An id as the key it is looked up by: a string as it is, a number or boolean as its text, none as ''. An object or
 * array is no id: it is not converted (converting a deeply nested array to text would overflow the stack before the
 * shape check refuses its event), so it finds nothing and its event reports the missing destination.
 */
function idKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : undefined;
}

/** The destination and connection an input's metadata ids name. */
interface Lookup {
  destinationId: unknown;
  sourceId: unknown;
  destination: unknown;
  connection: unknown;
}

function lookUp(body: CompactedBody, destinationId: unknown, sourceId: unknown): Lookup {
  const id = idKey(destinationId);
  const source = idKey(sourceId);
  // Own keys only: an id such as `__proto__` or `constructor` must not find Object.prototype's members.
  const destination = ownValue(body.destinations ?? {}, id);
  const connection = ownValue(
    body.connections ?? {},
    id === undefined || source === undefined ? undefined : `${source}:${id}`,
  );
  return { destinationId, sourceId, destination, connection };
}

/**
 * Re-expand a compacted payload (in place). An event whose destination is not in `destinations` is not expanded; the
 * per-event check then reports it (the reference fails the whole request with a 500 instead). Consecutive inputs of
 * one source and destination (the usual batch) share one lookup.
 */
export function expandCompacted(body: CompactedBody): unknown[] {
  let last: Lookup | undefined;
  return body.input.map((item) => {
    if (!isObject(item)) return item;
    const { destinationId, sourceId } = isObject(item.metadata)
      ? item.metadata
      : ({} as Record<string, unknown>);
    if (!last || last.destinationId !== destinationId || last.sourceId !== sourceId) {
      last = lookUp(body, destinationId, sourceId);
    }
    // The parsed body is this request's own: completing its inputs in place spares a copy per event.
    if (last.destination !== undefined) item.destination = last.destination;
    if (last.connection !== undefined) item.connection = last.connection;
    return item;
  });
}

/**
 * The inputs of an `{input, destinations?, connections?}` body: re-expanded when it is the compacted form (the
 * `x-content-format` header says so, or it carries `destinations`), as they are otherwise.
 */
export function bodyInputs(body: CompactedBody, contentFormat: string | string[] | undefined): unknown[] {
  const format = Array.isArray(contentFormat) ? contentFormat[0] : contentFormat;
  const compacted =
    (format ?? '').trim().toLowerCase() === COMPACTED_FORMAT || body.destinations !== undefined;
  return compacted ? expandCompacted(body) : body.input;
}

/** Distinct destination objects compared per destination id before giving up on sharing (hostile input). */
const MAX_DESTINATION_VARIANTS = 8;

/**
 * Whether two parsed JSON values are equal (same keys in any order, same values), as `isDeepStrictEqual` would say
 * of them, without its generality: objects as JSON makes them, compared member by member. Recursive: one side must
 * be known to be shallow enough (a destination that passed its shape check), which bounds the recursion.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return keys.every((key) => Object.hasOwn(y, key) && sameJson(x[key], y[key]));
}

/**
 * Give inputs that carry equal destinations one shared object (in place). The uncompacted form sends a copy of the
 * destination with every event; shared, what is worked out once per destination object (its schema check, its
 * group key, the parsed configuration) is worked out once per request, as with the compacted form.
 *
 * A destination is compared only with destinations that passed their shape check (the comparison recurses, bounded
 * by the checked side); one equal to such a destination has the same shape, so it needs no check of its own. Only a
 * destination that matches none is shape-checked, and remembered when good.
 */
export function shareDestinations(inputs: unknown[]): void {
  const seen = new Map<unknown, Record<string, unknown>[]>();
  for (const item of inputs) {
    if (!isObject(item) || !isObject(item.destination)) continue;
    const { destination } = item;
    const known = seen.get(destination.ID);
    const same = known?.find((d) => d === destination || sameJson(d, destination));
    if (same) {
      item.destination = same;
      continue;
    }
    if (destinationShape(destination)) continue; // refused on its own later, never compared
    if (!known) seen.set(destination.ID, [destination]);
    else if (known.length < MAX_DESTINATION_VARIANTS) known.push(destination);
  }
}

/**
 * Parse a JSON header (`name` says which, in the error); undefined when absent or empty. Throws a HostError (400) on
 * one that is not JSON, without echoing it: the JSON headers the host reads carry secrets.
 */
export function parseJsonHeader(header: string | string[] | undefined, name: string): unknown {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new HostError(400, `The ${name} header is not valid JSON`);
  }
}

/** Parse the `oauth-secret` header; undefined when absent or empty. Throws on a header that is not JSON. */
export function parseOAuthSecret(header: string | string[] | undefined): unknown {
  return parseJsonHeader(header, 'oauth-secret');
}

/** Write the host's OAuth secret into every input's metadata (reference `SecretSpreader`). */
export function spreadSecret(inputs: unknown[], secret: unknown): unknown[] {
  if (secret === undefined) return inputs;
  return inputs.map((item) =>
    isObject(item)
      ? { ...item, metadata: { ...(isObject(item.metadata) ? item.metadata : {}), secret } }
      : item,
  );
}

/** `X-Feature-Gzip-Support: ?1` → `{'gzip-support': true}`; other values are kept as strings. */
export function featuresOf(headers: Record<string, string | string[] | undefined>): Record<string, unknown> {
  const features: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (!name.toLowerCase().startsWith('x-feature-')) continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    features[name.slice('x-feature-'.length).toLowerCase()] =
      value === '?1' || value === 'true' ? true : value;
  }
  return features;
}

/** The tags the host adds to processor and delivery errors (rudder-contract.md A.1.4, A.5.3). */
export function errorTags(
  destType: string,
  feature: 'processor' | 'router' | 'dataDelivery' | 'userDeletion',
  metadata: Metadata | undefined,
  fallback?: string,
): StatTags {
  const asTag = (v: unknown): string | undefined =>
    v === undefined || v === null || v === '' ? fallback : String(v);
  const tags: StatTags = {
    destType: destType.toUpperCase(),
    module: 'destination',
    implementation: 'native',
    feature,
  };
  const destinationId = asTag(metadata?.destinationId);
  const workspaceId = asTag(metadata?.workspaceId);
  if (destinationId !== undefined) tags.destinationId = destinationId;
  if (workspaceId !== undefined) tags.workspaceId = workspaceId;
  return tags;
}

/** An error the host answers itself with an HTTP status and `{error}` (not a per-event outcome). */
export class HostError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

/** Run `fn` over items with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Text written as it is by {@link stableStringify} (never a value of the input: input is JSON). */
class Raw {
  constructor(readonly text: string) {}
}

/** What `value` expands to, in order: brackets, separators and the values inside. */
function stableParts(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    const parts: unknown[] = [new Raw('[')];
    value.forEach((item, i) => parts.push(...(i ? [new Raw(',')] : []), item));
    return [...parts, new Raw(']')];
  }
  if (isObject(value)) {
    const keys = Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined);
    const parts: unknown[] = [new Raw('{')];
    keys.forEach((k, i) => parts.push(new Raw(`${i ? ',' : ''}${JSON.stringify(k)}:`), value[k]));
    return [...parts, new Raw('}')];
  }
  return [new Raw(JSON.stringify(value) ?? 'null')];
}

/**
 * JSON with sorted keys, to group inputs by configuration (reference `groupRouterTransformEvents`). Iterative: no
 * nesting depth can overflow the stack.
 */
export function stableStringify(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length) {
    const item = stack.pop();
    if (item instanceof Raw) {
      out.push(item.text);
      continue;
    }
    const parts = stableParts(item);
    for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
  }
  return out.join('');
}
