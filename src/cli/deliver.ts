/**
 * `sf-destination deliver <outputs.ndjson>`: send each deliverable element's request(s) the way the transformer
 * proxy does (network handler `proxy` + `responseHandler`), and print every job's status.
 *
 * - v1 (default): one status per job, from the records of that job.
 * - v0: one status for the whole request, given to every job of the element (rudder-server.md 2.1).
 *
 * The file must hold router output elements, one per line, as `transform` writes them: it is checked whole before
 * anything is sent (`outputsFile.ts`), and anything else is exit 2 naming the first offending line.
 *
 * An element whose `batchedRequest` is an array is sent one request after another; a job's status is the first
 * failure among them, else 200. Elements that were not deliverable (filtered or rejected at transform) are listed
 * with their transform status.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { outcomeOf } from '../framework/outcomes';
import {
  ProxyV1RequestSchema,
  type Metadata,
  type ProxyV1Request,
  type RequestDescriptor,
} from '../framework/types';
import { ajv, describeAjvErrors, isObject } from '../framework/validate';
import { deliverV0, deliverV1 } from '../server/delivery';
import { salesforceHandlers, type DestinationHandlers } from '../server/destinations';
import { CliError, parseDestType, parseRequest, summarizeRequest, table, truncate, type Io } from './common';
import { destInfoOf } from '../v0/destinations/salesforce/index';
import { checkNotDelivered, warnCreates, writeMarker, type DeliveryMarker } from './deliveryMarker';
import { isDeliverable, readElements, requestsOf, scanOutputs, type RouterElement } from './outputsFile';

export type ProxyVersion = 'v0' | 'v1';

export interface DeliverOptions {
  proxy?: string;
  destType?: string;
  json?: boolean;
  /** Deliver a file whose marker says it was already delivered. */
  force?: boolean;
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

const validateRequest = ajv.compile<ProxyV1Request>(ProxyV1RequestSchema);

/** One record a job writes, read back from the request (and the job's `destInfo.records` for collections). */
interface RecordWrite {
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
function requestWrites(descriptor: RequestDescriptor): (metadata: Metadata) => RecordWrite[] {
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
function describeWrites(writes: RecordWrite[], result: string): string {
  const ids = resultIds(result);
  return writes.map((w, i) => [PAST[w.op], w.object, w.id ?? ids[i] ?? ''].join(' ').trim()).join(', ');
}

function proxyVersion(value: string | undefined): ProxyVersion {
  const v = (value ?? 'v1').toLowerCase();
  if (v !== 'v0' && v !== 'v1') throw new CliError('--proxy must be v0 or v1');
  return v;
}

/** What one request got for each job of the element, in the element's job order. */
type JobResult = { statusCode: number; result: string };

/** The reports of an element that was not deliverable: its transform status for every job. */
function notDeliverable(metadata: Metadata[], statusCode: number, error: unknown): JobReport[] {
  const outcome = outcomeOf(statusCode);
  const phase = outcome === 'filtered' ? 'filtered' : outcome === 'aborted' ? 'rejected' : 'retry';
  return metadata.map((m) => ({
    jobId: m.jobId,
    phase: 'not delivered',
    statusCode,
    detail: `${phase} at transform: ${String(error ?? '')}`,
    requests: [],
  }));
}

async function sendV1(
  body: ProxyV1Request,
  destType: string,
  handlers: DestinationHandlers,
): Promise<JobResult[]> {
  const { output } = await deliverV1(body, destType, handlers);
  const byJob = new Map(output.response.map((r) => [r.metadata.jobId, r]));
  return body.metadata.map((m) => {
    const r = byJob.get(m.jobId);
    return r
      ? { statusCode: r.statusCode, result: r.error }
      : { statusCode: 500, result: 'no result for this job' };
  });
}

async function sendV0(
  body: ProxyV1Request,
  destType: string,
  handlers: DestinationHandlers,
): Promise<JobResult[]> {
  const { output } = await deliverV0({ ...body, metadata: body.metadata[0] }, destType, handlers);
  const response = 'destinationResponse' in output ? output.destinationResponse : undefined;
  const answer = isObject(response) && 'response' in response ? response.response : response;
  return body.metadata.map(() => ({
    statusCode: output.status,
    result: output.status === 200 ? JSON.stringify(answer ?? '') : output.message,
  }));
}

/** Send one request of an element as the proxy of `version` does. */
async function sendRequest(
  body: Record<string, unknown>,
  metadata: Metadata[],
  version: ProxyVersion,
  destType: string,
  handlers: DestinationHandlers,
): Promise<JobResult[]> {
  if (!validateRequest(body)) {
    const why = describeAjvErrors(validateRequest.errors ?? [], 'batchedRequest');
    return metadata.map(() => ({ statusCode: 400, result: `invalid request: ${why}` }));
  }
  return version === 'v1' ? sendV1(body, destType, handlers) : sendV0(body, destType, handlers);
}

/** Add one request's results to the jobs' reports; a job's first failure becomes its status. */
function record(
  reports: JobReport[],
  results: JobResult[],
  metadata: Metadata[],
  descriptor: RequestDescriptor,
): void {
  const readable = isObject(descriptor) && typeof descriptor.endpoint === 'string';
  const action = readable ? summarizeRequest(descriptor).action : 'request';
  const writesOf = readable ? requestWrites(descriptor) : () => [];
  results.forEach((p, i) => {
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

/**
 * Deliver one router output element; one report per job of the element. Deliverable as the file's check counts it
 * (`isDeliverable`), so the marker and the creates warning cover exactly what is sent.
 */
export async function deliverElement(
  element: RouterElement,
  version: ProxyVersion,
  destType: string,
  handlers: DestinationHandlers,
): Promise<JobReport[]> {
  const { metadata } = element;
  if (!isDeliverable(element)) return notDeliverable(metadata, element.statusCode, element.error);
  const destination: Record<string, unknown> = element.destination ?? {};
  const destinationConfig = isObject(destination.Config) ? destination.Config : {};
  const reports: JobReport[] = metadata.map((m) => ({
    jobId: m.jobId,
    phase: 'delivered',
    statusCode: 200,
    detail: '',
    requests: [],
  }));
  for (const descriptor of requestsOf(element)) {
    const body = { ...descriptor, metadata, destinationConfig };
    record(reports, await sendRequest(body, metadata, version, destType, handlers), metadata, descriptor);
  }
  for (const report of reports) {
    if (report.phase === 'delivered') report.detail = report.requests.map((r) => r.action).join('; ');
  }
  return reports;
}

async function checkReadable(file: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(file)).isFile();
  } catch {
    // Reported below.
  }
  if (!isFile) throw new CliError(`Cannot read outputs file ${file}: no such file`);
}

function jobCounts(reports: JobReport[]): NonNullable<DeliveryMarker['jobs']> {
  const count = (phase: JobReport['phase']) => reports.filter((r) => r.phase === phase).length;
  return { delivered: count('delivered'), failed: count('failed'), notDeliverable: count('not delivered') };
}

/**
 * Deliver every element of the file. The whole file is checked first (exit 2 naming the first line that is not a
 * router output element), so nothing is sent from a file that is not what `transform` writes; a file already
 * delivered is refused unless `--force` (deliveryMarker.ts).
 */
async function deliverFile(file: string, options: DeliverOptions, io: Io): Promise<JobReport[]> {
  const version = proxyVersion(options.proxy);
  const destType = parseDestType(options.destType);
  await checkReadable(file);
  const scan = await scanOutputs(file);
  if (scan.elements === 0) {
    io.err(`${file} holds no output elements: nothing to deliver\n`);
    return [];
  }
  await checkNotDelivered(file, scan, options.force === true, io);
  warnCreates(file, scan, io);
  const marker: DeliveryMarker = {
    file: basename(file),
    sha256: scan.sha256,
    state: 'started',
    startedAt: new Date().toISOString(),
    creates: scan.creates,
  };
  if (scan.deliverable) await writeMarker(file, marker, io);
  const handlers = salesforceHandlers();
  const reports: JobReport[] = [];
  for await (const { element } of readElements(file)) {
    reports.push(...(await deliverElement(element, version, destType, handlers)));
  }
  if (scan.deliverable) {
    const finished = {
      state: 'finished' as const,
      finishedAt: new Date().toISOString(),
      jobs: jobCounts(reports),
    };
    await writeMarker(file, { ...marker, ...finished }, io);
  }
  return reports;
}

/**
 * Exit status 0 when every deliverable job was delivered, 1 when any delivery failed; a usage or file error, a file
 * that is not router output or one already delivered (without `--force`) throws a CliError (exit 2).
 */
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
    const jobs = jobCounts(reports);
    io.out(
      `\n${jobs.delivered} delivered, ${jobs.failed} failed at delivery, ${jobs.notDeliverable} not deliverable (proxy ${proxyVersion(options.proxy)})\n`,
    );
  }
  return reports.some((r) => r.phase === 'failed') ? 1 : 0;
}
