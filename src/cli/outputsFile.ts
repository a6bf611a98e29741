/**
 * The file `deliver` reads: NDJSON, one router output element per line, as `transform` writes it. Every line is
 * checked before anything is sent, so a file that holds something else (events, a processor output, a whole
 * `/routerTransform` reply) is refused with what it holds and what `deliver` expects, naming the first offending line.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Type, type Static } from '@sinclair/typebox';
import { describeShapeProblem, MAX_INPUT_DEPTH, shapeProblem } from '../framework/shape';
import { MetadataSchema, RequestDescriptorSchema, type RequestDescriptor } from '../framework/types';
import { ajv, describeAjvErrors, isObject } from '../framework/validate';
import { CliError, parseRequest } from './common';

/** A router output element (rudder-contract.md A.2.2) as `deliver` needs it; other keys pass through. */
const RouterElementSchema = Type.Object(
  {
    metadata: Type.Array(MetadataSchema, { minItems: 1 }),
    statusCode: Type.Integer(),
    batched: Type.Optional(Type.Boolean()),
    batchedRequest: Type.Optional(
      Type.Union([RequestDescriptorSchema, Type.Array(RequestDescriptorSchema, { minItems: 1 })]),
    ),
    destination: Type.Optional(Type.Object({}, { additionalProperties: true })),
    error: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
export type RouterElement = Static<typeof RouterElementSchema>;

const validateElement = ajv.compile<RouterElement>(RouterElementSchema);

/**
 * Deeper than any element `transform` writes: an event's values are at most MAX_INPUT_DEPTH deep (the destination
 * refuses deeper ones) and an element nests them a few levels further (`batchedRequest.body.JSON.compositeRequest
 * [0].body.records[0]`).
 */
const MAX_ELEMENT_DEPTH = MAX_INPUT_DEPTH + 16;

export const EXPECTED =
  'deliver expects NDJSON with one router output element per line ({batchedRequest, metadata: [...], batched, ' +
  'statusCode, destination}), as `sf-destination transform <events.ndjson> --out <outputs.ndjson>` writes them';

const RUN_TRANSFORM =
  'run `sf-destination transform <events.ndjson> --config <destination-config.json> --out outputs.ndjson` on the ' +
  'events first, then `sf-destination deliver outputs.ndjson`';

/** What a line that is not a router output element holds, and what to do about it. */
function whatItHolds(value: unknown): { what: string; fix?: string } {
  if (Array.isArray(value)) return { what: 'a JSON array', fix: 'write one element per line, not an array' };
  if (!isObject(value)) return { what: `a JSON ${value === null ? 'null' : typeof value}, not an object` };
  if (isObject(value.message))
    return {
      what: 'a transform input ({message, destination, metadata}), as in an events file',
      fix: RUN_TRANSFORM,
    };
  if (typeof value.type === 'string' && !Array.isArray(value.metadata))
    return {
      what: `an event (type ${JSON.stringify(value.type)}), as in an events file`,
      fix: RUN_TRANSFORM,
    };
  if (Array.isArray(value.output))
    return {
      what: 'a whole /routerTransform reply ({output: [...]})',
      fix: 'write each element of its output array on its own line',
    };
  if (isObject(value.output) || isObject(value.metadata))
    return {
      what: 'a processor transform output (one event per element, `output` and a `metadata` object)',
      fix: `deliver sends router output instead: ${RUN_TRANSFORM}`,
    };
  return { what: 'an object that is not a router output element' };
}

/** The element of one line, or a CliError naming the line, what it holds and what `deliver` expects. */
function parseElement(line: string, where: string): RouterElement {
  let value: unknown;
  try {
    value = JSON.parse(line) as unknown;
  } catch (error) {
    throw new CliError(`${where} is not valid JSON (${(error as Error).message}); ${EXPECTED}`);
  }
  const problem = shapeProblem(value, '', MAX_ELEMENT_DEPTH);
  if (problem)
    throw new CliError(`${where}: ${describeShapeProblem(problem, MAX_ELEMENT_DEPTH)}; ${EXPECTED}`);
  if (validateElement(value)) {
    if (value.statusCode !== 200 || value.batchedRequest !== undefined) return value;
    throw new CliError(
      `${where}: a router output element with statusCode 200 must carry batchedRequest (the request to send); ${EXPECTED}`,
    );
  }
  const { what, fix } = whatItHolds(value);
  const why = what.startsWith('an object')
    ? `: ${describeAjvErrors(validateElement.errors ?? [], 'element')}`
    : '';
  throw new CliError(`${where} holds ${what}${why}. ${EXPECTED}${fix ? `; ${fix}` : ''}.`);
}

/**
 * Each element of the file with its line number; blank lines are skipped. Throws on the first bad line. `onBytes` is
 * given the file's bytes as they are read (readline decodes them itself).
 */
export async function* readElements(
  file: string,
  onBytes?: (chunk: Buffer) => void,
): AsyncGenerator<{ lineNo: number; element: RouterElement }> {
  const input = createReadStream(file);
  if (onBytes) input.on('data', (chunk) => onBytes(chunk as Buffer));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim()) yield { lineNo, element: parseElement(line, `${file}:${lineNo}`) };
  }
}

/** An element `deliver` sends: a success with its request(s). */
export function isDeliverable(element: RouterElement): boolean {
  return element.statusCode === 200 && element.batchedRequest !== undefined;
}

export function requestsOf(element: RouterElement): RequestDescriptor[] {
  const { batchedRequest } = element;
  if (batchedRequest === undefined) return [];
  return Array.isArray(batchedRequest) ? batchedRequest : [batchedRequest];
}

function recordsIn(body: unknown): number {
  return isObject(body) && Array.isArray(body.records) ? body.records.length : 0;
}

/** Records a request creates: a single-record POST, a collections POST, or the collections POSTs of a composite. */
function createdRecords(descriptor: RequestDescriptor): number {
  const { method, rest, single } = parseRequest(descriptor);
  if (single) return single.op === 'create' ? 1 : 0;
  const json = descriptor.body.JSON;
  if (rest === '/composite/sobjects') return method === 'POST' ? recordsIn(json) : 0;
  if (rest !== '/composite' || !isObject(json) || !Array.isArray(json.compositeRequest)) return 0;
  return (json.compositeRequest as unknown[]).reduce<number>((sum, sub) => {
    if (!isObject(sub) || String(sub.method).toUpperCase() !== 'POST') return sum;
    const url = typeof sub.url === 'string' ? sub.url : '';
    return /\/composite\/sobjects\/?$/.test(url) ? sum + recordsIn(sub.body) : sum;
  }, 0);
}

export interface OutputsScan {
  elements: number;
  /** Elements `deliver` sends. */
  deliverable: number;
  /** Records the deliverable elements create (not idempotent: sent twice, they are created twice). */
  creates: number;
  /** Of the file's bytes: tells whether a file was already delivered as it is. */
  sha256: string;
}

/**
 * Read the whole file once before sending anything, in one pass: every line checked, the creates counted, the bytes
 * hashed.
 */
export async function scanOutputs(file: string): Promise<OutputsScan> {
  const scan: OutputsScan = { elements: 0, deliverable: 0, creates: 0, sha256: '' };
  const hash = createHash('sha256');
  for await (const { element } of readElements(file, (chunk) => hash.update(chunk))) {
    scan.elements += 1;
    if (!isDeliverable(element)) continue;
    scan.deliverable += 1;
    for (const descriptor of requestsOf(element)) scan.creates += createdRecords(descriptor);
  }
  scan.sha256 = hash.digest('hex');
  return scan;
}
