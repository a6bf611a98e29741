/**
 * `sf-destination deliver <outputs.ndjson>`: send each deliverable element's request(s) the way the transformer
 * proxy does (network handler `proxy` + `responseHandler`), and print every job's status.
 *
 * - v1 (default): one status per job, from the records of that job.
 * - v0: one status for the whole request, given to every job of the element (rudder-server.md 2.1).
 *
 * An element whose `batchedRequest` is an array is sent one request after another; a job's status is the first
 * failure among them, else 200. Elements that were not deliverable (filtered or rejected at transform) are listed
 * with their transform status.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { outcomeOf } from '../framework/outcomes';
import { ProxyV1RequestSchema, type Metadata, type RequestDescriptor } from '../framework/types';
import { ajv, describeAjvErrors, isObject } from '../framework/validate';
import { deliverV0, deliverV1 } from '../server/delivery';
import { salesforceHandlers, type DestinationHandlers } from '../server/destinations';
import { CliError, parseRequest, summarizeRequest, table, truncate, type Io } from './common';
import { destInfoOf } from '../v0/destinations/salesforce/index';

export type ProxyVersion = 'v0' | 'v1';

export interface DeliverOptions {
  proxy?: string;
  destType?: string;
  json?: boolean;
}

export interface JobReport {
  jobId: unknown;
  /** `delivered`, `failed`, or what happened at transform (`filtered`, `rejected`, `retry`). */
  phase: 'delivered' | 'failed' | 'not delivered';
  statusCode: number;
  detail: string;
  /** Per request sent for the job: what it did, and Salesforce's answer for this job. */
  requests: { action: string; statusCode: number; result: string }[];
}

const validateRequest = ajv.compile(ProxyV1RequestSchema);

/** One record a job writes, read back from the request (and the job's `destInfo.records` for collections). */
export interface RecordWrite {
  op: 'create' | 'update' | 'upsert';
  object: string;
  id?: string;
}

function subrequests(descriptor: RequestDescriptor): { method: string; records: unknown[] }[] {
  const json = descriptor.body?.JSON;
  if (!isObject(json)) return [];
  if (Array.isArray(json.compositeRequest)) {
    return json.compositeRequest.map((s: unknown) => {
      const sub = isObject(s) ? s : {};
      const body = isObject(sub.body) ? sub.body : {};
      return { method: String(sub.method ?? ''), records: Array.isArray(body.records) ? body.records : [] };
    });
  }
  return [{ method: descriptor.method, records: Array.isArray(json.records) ? json.records : [] }];
}

/** The records each job writes with this request: the request is read once, then each job's refs are resolved. */
export function requestWrites(descriptor: RequestDescriptor): (metadata: Metadata) => RecordWrite[] {
  const { rest, single } = parseRequest(descriptor);
  if (!rest.startsWith('/composite')) {
    const writes: RecordWrite[] = single
      ? [{ op: single.op, object: single.object, ...(single.op === 'update' ? { id: single.id } : {}) }]
      : [];
    return () => writes;
  }
  const subs = subrequests(descriptor);
  return (metadata) => {
    const refs = destInfoOf(metadata).records;
    if (!Array.isArray(refs)) return [];
    // The file is input: a ref may be anything.
    return (refs as unknown[]).flatMap((ref) => {
      const { sub, rec } = isObject(ref) ? ref : {};
      const subrequest = typeof sub === 'number' ? subs[sub] : undefined;
      const record = subrequest && typeof rec === 'number' ? subrequest.records[rec] : undefined;
      if (!subrequest || !isObject(record)) return [];
      const type = isObject(record.attributes) ? String(record.attributes.type ?? '') : '';
      const id = typeof record.id === 'string' ? record.id : undefined;
      const op: RecordWrite['op'] = subrequest.method.toUpperCase() === 'POST' ? 'create' : 'update';
      return [{ op, object: type, ...(id ? { id } : {}) }];
    });
  };
}

/** Record ids in a job's result text (a save result, or a list of them). */
function resultIds(result: string): (string | undefined)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(result) as unknown;
  } catch {
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((r) => (isObject(r) && typeof r.id === 'string' ? r.id : undefined));
}

const PAST: Record<RecordWrite['op'], string> = { create: 'created', update: 'updated', upsert: 'upserted' };

/** `created Lead 00Q…, updated Contact 003…` for a delivered job. */
export function describeWrites(writes: RecordWrite[], result: string): string {
  const ids = resultIds(result);
  return writes.map((w, i) => [PAST[w.op], w.object, w.id ?? ids[i] ?? ''].join(' ').trim()).join(', ');
}

function proxyVersion(value: string | undefined): ProxyVersion {
  const v = (value ?? 'v1').toLowerCase();
  if (v !== 'v0' && v !== 'v1') throw new CliError('--proxy must be v0 or v1');
  return v;
}

/** Deliver one router output element; one report per job of the element. */
export async function deliverElement(
  element: Record<string, unknown>,
  version: ProxyVersion,
  destType: string,
  handlers: DestinationHandlers,
): Promise<JobReport[]> {
  const metadata = (Array.isArray(element.metadata) ? element.metadata : []) as Metadata[];
  const statusCode = typeof element.statusCode === 'number' ? element.statusCode : 0;
  const deliverable = (statusCode === 200 || statusCode === 0) && element.batchedRequest !== undefined;
  if (!deliverable) {
    const outcome = outcomeOf(statusCode);
    const phase = outcome === 'filtered' ? 'filtered' : outcome === 'aborted' ? 'rejected' : 'retry';
    return metadata.map((m) => ({
      jobId: m.jobId,
      phase: 'not delivered',
      statusCode,
      detail: `${phase} at transform: ${String(element.error ?? '')}`,
      requests: [],
    }));
  }
  const requests = (
    Array.isArray(element.batchedRequest) ? element.batchedRequest : [element.batchedRequest]
  ) as RequestDescriptor[];
  const destination = isObject(element.destination) ? element.destination : {};
  const destinationConfig = isObject(destination.Config) ? destination.Config : {};
  const reports: JobReport[] = metadata.map((m) => ({
    jobId: m.jobId,
    phase: 'delivered',
    statusCode: 200,
    detail: '',
    requests: [],
  }));
  for (const descriptor of requests) {
    const readable = isObject(descriptor) && typeof descriptor.endpoint === 'string';
    const action = readable ? summarizeRequest(descriptor).action : 'request';
    const writesOf = readable ? requestWrites(descriptor) : () => [];
    const body = { ...descriptor, metadata, destinationConfig };
    const perJob: { statusCode: number; result: string }[] = [];
    if (!validateRequest(body)) {
      const why = describeAjvErrors(validateRequest.errors ?? [], 'batchedRequest');
      metadata.forEach(() => perJob.push({ statusCode: 400, result: `invalid request: ${why}` }));
    } else if (version === 'v1') {
      const { output } = await deliverV1(body, destType, handlers);
      const byJob = new Map(output.response.map((r) => [r.metadata.jobId, r]));
      metadata.forEach((m) => {
        const r = byJob.get(m.jobId);
        perJob.push(
          r
            ? { statusCode: r.statusCode, result: r.error }
            : { statusCode: 500, result: 'no result for this job' },
        );
      });
    } else {
      const { output } = await deliverV0({ ...body, metadata: metadata[0] }, destType, handlers);
      const response = 'destinationResponse' in output ? output.destinationResponse : undefined;
      const answer = isObject(response) && 'response' in response ? response.response : response;
      metadata.forEach(() =>
        perJob.push({
          statusCode: output.status,
          result: output.status === 200 ? JSON.stringify(answer ?? '') : output.message,
        }),
      );
    }
    perJob.forEach((p, i) => {
      const report = reports[i];
      const writes = p.statusCode === 200 ? writesOf(metadata[i]) : [];
      const done = writes.length ? describeWrites(writes, p.result) : action;
      report.requests.push({ action: done, ...p });
      if (report.phase === 'delivered' && p.statusCode !== 200) {
        report.phase = 'failed';
        report.statusCode = p.statusCode;
        report.detail = p.result;
      }
    });
  }
  for (const report of reports) {
    if (report.phase === 'delivered') report.detail = report.requests.map((r) => r.action).join('; ');
  }
  return reports;
}

export async function deliverFile(file: string, options: DeliverOptions, io: Io): Promise<JobReport[]> {
  const version = proxyVersion(options.proxy);
  try {
    await access(file);
  } catch {
    throw new CliError(`Cannot read outputs file ${file}`);
  }
  const handlers = salesforceHandlers();
  const reports: JobReport[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (!line.trim()) continue;
    let element: unknown;
    try {
      element = JSON.parse(line) as unknown;
    } catch (error) {
      io.err(`${file}:${lineNo}: skipped, not valid JSON (${(error as Error).message})\n`);
      continue;
    }
    if (!isObject(element)) {
      io.err(`${file}:${lineNo}: skipped, not an output element\n`);
      continue;
    }
    reports.push(...(await deliverElement(element, version, options.destType ?? 'salesforce', handlers)));
  }
  return reports;
}

/** Exit status 0 when every deliverable job was delivered, 1 when any delivery failed. */
export async function deliver(file: string, options: DeliverOptions, io: Io): Promise<number> {
  const reports = await deliverFile(file, options, io);
  if (options.json) {
    io.out(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    io.out(
      table(
        ['job', 'status', 'outcome', 'detail'],
        reports.map((r) => [
          String(r.jobId),
          String(r.statusCode),
          r.phase,
          truncate(r.detail.replace(/\s+/g, ' '), 110),
        ]),
      ),
    );
    const count = (phase: JobReport['phase']) => reports.filter((r) => r.phase === phase).length;
    io.out(
      `\n${count('delivered')} delivered, ${count('failed')} failed at delivery, ${count('not delivered')} not deliverable (proxy ${proxyVersion(options.proxy)})\n`,
    );
  }
  return reports.some((r) => r.phase === 'failed') ? 1 : 0;
}
