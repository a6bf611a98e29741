/**
 * Delivery the way rudder-server does it (spec rudder-server.md 1.5-1.7, 2.2-2.3), shared by the benchmark and
 * the end-to-end tests:
 *
 * - Router path: each output element with statusCode 200 gets `processMetadataForRouter`, then its
 *   `batchedRequest` is sent through the proxy (`proxy(descriptor)`) and the answer classified by the proxy v1
 *   handler with the jobs' metadata (`userId` blanked, as the server sends it). An array of descriptors is sent in
 *   order; a non-last call with a non-terminal code for any job fails every job of the element (500) and stops.
 *   Other elements give their own status to their jobs. Elements go in order of their minimum jobId, and a
 *   deliverable element holding a user whose earlier job failed retryably is not sent: all its jobs get 500.
 * - Single-event path: `process(event)` → descriptors → each sent in order → proxy v0 handler → one status.
 */
import { toErrorObject } from '../src/framework/errors';
import type {
  Metadata,
  ProcessorEvent,
  RequestDescriptor,
  RouterOutput,
  RouterSuccessOutput,
} from '../src/framework/types';
import {
  createV0Handler,
  createV1Handler,
  type SalesforceDestination,
  type SalesforceRuntime,
} from '../src/v0/destinations/salesforce/index';

export interface JobStatus {
  statusCode: number;
  error: string;
  /** Top-level category of a proxy v1 answer (whole-call auth failures only). */
  authErrorCategory?: string;
  /** The proxy v1 answer asked for this job to be retried on its own (rudder-server saves it for the retry). */
  dontBatch?: boolean;
}

export type JobStatuses = Map<number, JobStatus>;

const DEST_TYPE = 'salesforce';

/** rudder-server: 5xx, 429, 408 and < 200 are non-terminal (retried); everything else is final. */
export function isNonTerminal(code: number): boolean {
  return code >= 500 || code === 429 || code === 408 || code < 200;
}

function jobIdOf(metadata: Metadata): number {
  if (typeof metadata.jobId !== 'number') throw new Error('every job needs a numeric metadata.jobId');
  return metadata.jobId;
}

function isDeliverable(output: RouterOutput): output is RouterSuccessOutput {
  return output.statusCode === 200 && 'batchedRequest' in output;
}

/**
 * One proxy v1 call: send the descriptor, classify the answer per job; a missing job gets 500 as in the server. A
 * thrown error is a whole-request failure: every job gets its status (and auth category), as the host does.
 */
async function proxyV1(
  descriptor: RequestDescriptor,
  metadata: Metadata[],
  runtime: SalesforceRuntime,
): Promise<JobStatuses> {
  const out: JobStatuses = new Map();
  let authErrorCategory: string | undefined;
  const handler = createV1Handler(runtime);
  try {
    const destinationResponse = await handler.proxy(descriptor, DEST_TYPE);
    const result = handler.responseHandler({
      destinationResponse,
      rudderJobMetadata: metadata,
      destType: DEST_TYPE,
    });
    authErrorCategory = result.authErrorCategory || undefined;
    for (const entry of result.response) {
      const status: JobStatus = { statusCode: entry.statusCode, error: entry.error };
      if (entry.metadata.dontBatch === true) status.dontBatch = true;
      if (authErrorCategory) status.authErrorCategory = authErrorCategory;
      out.set(jobIdOf(entry.metadata), status);
    }
  } catch (error) {
    for (const m of metadata) out.set(jobIdOf(m), v1FailureStatus(error));
    return out;
  }
  for (const m of metadata) {
    if (!out.has(jobIdOf(m))) {
      out.set(jobIdOf(m), { statusCode: 500, error: 'Response for this job is expected but not found' });
    }
  }
  return out;
}

/** Deliver one element's `batchedRequest` (object, or array sent in order) and return each job's status. */
async function deliverElement(
  output: RouterSuccessOutput,
  dest: SalesforceDestination,
): Promise<JobStatuses> {
  const metadata = dest
    .processMetadataForRouter({ metadata: output.metadata, destination: output.destination })
    .map((m) => ({ ...m, userId: '' }));
  const requests = Array.isArray(output.batchedRequest) ? output.batchedRequest : [output.batchedRequest];
  let statuses: JobStatuses = new Map();
  for (let i = 0; i < requests.length; i += 1) {
    statuses = await proxyV1(requests[i], metadata, dest.runtime);
    const last = i === requests.length - 1;
    if (!last && [...statuses.values()].some((s) => isNonTerminal(s.statusCode))) {
      const failed: JobStatuses = new Map();
      for (const m of metadata) {
        failed.set(jobIdOf(m), {
          statusCode: 500,
          error: `an earlier request of this element failed: ${statuses.get(jobIdOf(m))?.error ?? ''}`,
        });
      }
      return failed;
    }
  }
  return statuses;
}

export interface DeliverOptions {
  /** Hold back a later element holding a user whose earlier job failed retryably (rudder-server default). */
  guaranteeUserEventOrder?: boolean;
}

/**
 * Deliver router output elements; returns each job's final status. Throws when a job appears in two elements
 * or an element has no metadata (rudder-server rejects such a reply, spec 1.3).
 */
export async function deliverRouterOutputs(
  outputs: RouterOutput[],
  dest: SalesforceDestination,
  options: DeliverOptions = {},
): Promise<JobStatuses> {
  const ordered = options.guaranteeUserEventOrder ?? true;
  const result: JobStatuses = new Map();
  const failedUsers = new Set<string>();
  const elements = outputs
    .map((output) => {
      if (!output.metadata?.length) throw new Error('a router output element has no metadata');
      return { output, first: Math.min(...output.metadata.map(jobIdOf)) };
    })
    .sort((a, b) => a.first - b.first);
  for (const { output } of elements) {
    const users = output.metadata.map((m) => String(m.userId ?? ''));
    let statuses: JobStatuses;
    if (isDeliverable(output)) {
      if (ordered && users.some((u) => u !== '' && failedUsers.has(u))) {
        statuses = new Map(
          output.metadata.map((m) => [
            jobIdOf(m),
            {
              statusCode: 500,
              error: 'skipping sending to destination because previous job (of user) in batch failed.',
            },
          ]),
        );
      } else {
        statuses = await deliverElement(output, dest);
      }
    } else {
      const error = 'error' in output ? output.error : '';
      statuses = new Map(output.metadata.map((m) => [jobIdOf(m), { statusCode: output.statusCode, error }]));
    }
    output.metadata.forEach((m, k) => {
      const id = jobIdOf(m);
      if (result.has(id)) throw new Error(`job ${id} appears in more than one router output element`);
      const status = statuses.get(id) ?? { statusCode: 500, error: 'no status' };
      result.set(id, status);
      if (isNonTerminal(status.statusCode) && users[k] !== '') failedUsers.add(users[k]);
    });
  }
  return result;
}

/** A job's status when the v1 handler throws: the error's status, the destination's answer as the body (A.5.4). */
function v1FailureStatus(error: unknown): JobStatus {
  const obj = toErrorObject(error, {}, false);
  const answer = obj.destinationResponse;
  const body = typeof answer === 'object' ? JSON.stringify(answer.response) : undefined;
  const status: JobStatus = { statusCode: obj.status, error: body || obj.message };
  if (obj.authErrorCategory) status.authErrorCategory = obj.authErrorCategory;
  return status;
}

/** The status of an error thrown by `process` or by the v0 handler. */
export function statusOfError(error: unknown): JobStatus {
  const obj = toErrorObject(error);
  const status: JobStatus = { statusCode: obj.status, error: obj.message };
  if (obj.authErrorCategory) status.authErrorCategory = obj.authErrorCategory;
  return status;
}

/** Send descriptors from `process` in order through the proxy v0 path; stops at the first failure. */
export async function deliverDescriptors(
  descriptors: RequestDescriptor[],
  metadata: Metadata | undefined,
  runtime: SalesforceRuntime,
): Promise<JobStatus> {
  let status: JobStatus = { statusCode: 200, error: '' };
  const handler = createV0Handler(runtime);
  for (const descriptor of descriptors) {
    const destinationResponse = await handler.proxy(descriptor, DEST_TYPE);
    try {
      const result = handler.responseHandler({
        destinationResponse,
        rudderJobMetadata: metadata ? { ...metadata, userId: '' } : undefined,
        destType: DEST_TYPE,
      });
      status = { statusCode: result.status, error: result.message };
    } catch (error) {
      return statusOfError(error);
    }
  }
  return status;
}

/** The single-event path end to end: transform, then deliver each descriptor. */
export async function processAndDeliver(
  dest: SalesforceDestination,
  event: ProcessorEvent,
): Promise<JobStatus> {
  let descriptors: RequestDescriptor[];
  try {
    descriptors = await dest.process(event);
  } catch (error) {
    return statusOfError(error);
  }
  return deliverDescriptors(descriptors, event.metadata, dest.runtime);
}
