/**
 * What the CLI commands share: where output goes, reading JSON files, turning a config file and an event into a
 * transform input, and describing a request descriptor in words.
 */
import { readFile } from 'node:fs/promises';
import type { Destination, Metadata, RequestDescriptor, TransformInput } from '../framework/types';
import { describeShapeProblem, shapeProblem } from '../framework/shape';
import { isObject } from '../framework/validate';
import { SALESFORCE_NAMES } from '../v0/destinations/salesforce/index';

/** Where a command writes. Tests pass their own; the binary uses the process streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars redraw in place only there). */
  errIsTTY: boolean;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  errIsTTY: process.stderr.isTTY === true,
};

/** A usage or input problem: the command prints the message and exits with status 2. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export type DestType = (typeof SALESFORCE_NAMES)[number];

/** `--dest-type`: one of the definition names this destination serves, in any letter case; lower-cased. */
export function parseDestType(value: string | undefined): DestType {
  const name = (value ?? 'salesforce').trim().toLowerCase();
  const known = SALESFORCE_NAMES.find((n) => n === name);
  if (!known) {
    throw new CliError(
      `--dest-type ${JSON.stringify(value)} is not a destination this CLI serves: use ${SALESFORCE_NAMES.join(', ')} (any letter case)`,
    );
  }
  return known;
}

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

const CLI_DESTINATION_ID = 'cli-destination';

/**
 * The destination of a `--config` file: a full destination (`{ID?, Config, DestinationDefinition?}`) or only its
 * `Config` object.
 */
export function destinationFromConfig(value: unknown, source: string): Destination {
  if (!isObject(value)) throw new CliError(`${source} must hold a JSON object (a destination config)`);
  checkShape(value, '', source);
  if (isObject(value.Config)) {
    return {
      ...value,
      ID: typeof value.ID === 'string' && value.ID ? value.ID : CLI_DESTINATION_ID,
      Config: value.Config,
      DestinationDefinition: isObject(value.DestinationDefinition)
        ? value.DestinationDefinition
        : { Name: 'SALESFORCE', DisplayName: 'Salesforce' },
    } as Destination;
  }
  return {
    ID: CLI_DESTINATION_ID,
    Name: 'Salesforce',
    Config: value,
    Enabled: true,
    DestinationDefinition: { Name: 'SALESFORCE', DisplayName: 'Salesforce' },
  };
}

/**
 * A part of the input the CLI itself copies or compares (the metadata it echoes into output elements, a destination
 * the router groups by) must not be nested deeper than the destination accepts: every recursive reader of it
 * (JSON.stringify, deep equality) would overflow the stack. `shapeProblem` walks it without recursion.
 */
function checkShape(value: unknown, path: string, where: string): void {
  const problem = shapeProblem(value, path);
  if (problem) throw new CliError(`${where}: ${describeShapeProblem(problem)}`);
}

/**
 * The job's `metadata.userId` (rudder-server's order key): the event's userId, else its anonymousId, as a string. An
 * id that is an object or an array is refused here, naming it: it is no id, and turning it into a string would
 * recurse over it.
 */
function userIdOf(message: Record<string, unknown>, where: string): string | undefined {
  for (const key of ['userId', 'anonymousId']) {
    const id = message[key];
    if (typeof id === 'object' && id !== null) {
      throw new CliError(
        `${where}: message.${key} is ${Array.isArray(id) ? 'an array' : 'an object'}; it must be a string (or a number)`,
      );
    }
  }
  const userId = message.userId ?? message.anonymousId;
  return userId === undefined || userId === null ? undefined : String(userId);
}

/**
 * One transform input from what a user has at hand: a bare event (a Rudder message) or a full
 * `{message, destination?, metadata?}` input. `fallback` supplies the destination when the input has none. The
 * message itself is left to the destination, which refuses one nested too deep with its own 400 error.
 */
export function toInput(
  value: unknown,
  fallback: Destination | undefined,
  defaults: Metadata,
  where: string,
): TransformInput {
  if (!isObject(value))
    throw new CliError(`${where}: expected a JSON object (an event, or {message, destination})`);
  const full = isObject(value.message);
  const message = (full ? value.message : value) as TransformInput['message'];
  const given = full && isObject(value.destination) ? (value.destination as Destination) : undefined;
  const destination = fallback ?? given;
  if (!destination) {
    throw new CliError(
      `${where}: no destination: pass --config <destination-config.json> or give {message, destination}`,
    );
  }
  if (destination === given) checkShape(given, 'destination', where);
  const metadata = full && isObject(value.metadata) ? (value.metadata as Metadata) : {};
  checkShape(metadata, 'metadata', where);
  const userId = userIdOf(message, where);
  return {
    message,
    destination,
    metadata: {
      ...defaults,
      ...(userId === undefined ? {} : { userId }),
      destinationId: destination.ID,
      ...metadata,
    },
  };
}

/** Authorization values are never printed, whatever the client returned. */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    out[key] =
      key.toLowerCase() === 'authorization' ? value.replace(/^(\w+)\s+.+$/, '$1 <access-token>') : value;
  }
  return out;
}

export interface RequestSummary {
  /** `create Lead`, `update Contact 003…`, `upsert Account by Ext__c`, `collections: 3 records`. */
  action: string;
  method: string;
  /** Path from `/services/data/vXX.X` on. */
  path: string;
}

/** A descriptor's endpoint read once: the REST path and, for a single-record request, what it writes. */
export interface ParsedRequest {
  method: string;
  /** Path of the URL. */
  path: string;
  /** Path from after `/services/data/vXX.X`. */
  rest: string;
  single?: { op: 'create' | 'update' | 'upsert'; object: string; id?: string; by?: string };
}

export function parseRequest(descriptor: RequestDescriptor): ParsedRequest {
  let path = descriptor.endpoint;
  try {
    path = new URL(descriptor.endpoint).pathname;
  } catch {
    // Not an absolute URL: keep it as it is.
  }
  const rest = path.replace(/^.*\/services\/data\/v\d+\.\d+/, '');
  const method = descriptor.method.toUpperCase();
  let m: RegExpExecArray | null;
  let single: ParsedRequest['single'];
  if ((m = /^\/sobjects\/([^/]+)$/.exec(rest)) && method === 'POST') single = { op: 'create', object: m[1] };
  else if ((m = /^\/sobjects\/([^/]+)\/([^/]+)$/.exec(rest)) && method === 'PATCH')
    single = { op: 'update', object: m[1], id: decodeURIComponent(m[2]) };
  else if ((m = /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(rest)) && method === 'PATCH')
    single = { op: 'upsert', object: m[1], by: `${m[2]} = ${decodeURIComponent(m[3])}` };
  return { method, path, rest, ...(single ? { single } : {}) };
}

/** What a descriptor asks Salesforce to do, in words. */
export function summarizeRequest(descriptor: RequestDescriptor): RequestSummary {
  const { method, path, rest, single } = parseRequest(descriptor);
  const json = descriptor.body?.JSON;
  let action = `${method} ${rest}`;
  if (single?.op === 'create') action = `create ${single.object}`;
  else if (single?.op === 'update') action = `update ${single.object} ${single.id ?? ''}`;
  else if (single?.op === 'upsert') action = `upsert ${single.object} by ${single.by ?? ''}`;
  else if (rest.startsWith('/composite/sobjects')) {
    const records = isObject(json) && Array.isArray(json.records) ? json.records.length : 0;
    action = `${method === 'POST' ? 'create' : 'update'} ${records} record${records === 1 ? '' : 's'} (sObject collections)`;
  } else if (rest === '/composite') {
    const subs = isObject(json) && Array.isArray(json.compositeRequest) ? json.compositeRequest.length : 0;
    action = `composite request with ${subs} collections subrequest${subs === 1 ? '' : 's'} (one API call)`;
  }
  return { action, method, path };
}

/** Plain-text table with left-aligned columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
