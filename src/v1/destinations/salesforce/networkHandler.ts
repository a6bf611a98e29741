/**
 * Proxy v1 network handler (spec A.5.4, rudder-server.md 2.3): one entry per job of the request.
 *
 * - Whole-request failures (401, 403 limit, 5xx, timeouts) apply to every job; an expired host-owned session
 *   also sets the top-level `authErrorCategory` so rudder-server refreshes the token.
 * - A collections answer gives each job the outcome of its own records: a lock-row failure retries only its jobs,
 *   an invalid field aborts only its jobs.
 * - Order: once a user's job must be retried, that user's later jobs in the request are retried too, never
 *   reported delivered ahead of it.
 * - A job whose result cannot be found is retried alone (`dontBatch`).
 */
import type {
  DeliveryJobResult,
  DeliveryV1Result,
  Metadata,
  ProcessedResponse,
  RequestDescriptor,
  ResponseHandlerInput,
} from '../../../framework/types';
import { RetryableError, toErrorObject } from '../../../framework/errors';
import {
  collectionResults,
  DELIVERY_SUFFIX,
  destInfoOf,
  droppedNote,
  isHostOAuth,
  jobVerdict,
  observeDelivery,
  unreadableCollections,
} from '../../../v0/destinations/salesforce/delivery';
import { classify, toTransformerError } from '../../../v0/destinations/salesforce/errorHandler';
import { proxy } from '../../../v0/destinations/salesforce/networkHandler';

function errorText(detail: unknown, fallback: string): string {
  if (detail === undefined || detail === '') return fallback;
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

function orderKeyOf(metadata: Metadata): string | undefined {
  const fromInfo = destInfoOf(metadata).orderKey;
  if (typeof fromInfo === 'string' && fromInfo) return fromInfo;
  const userId = metadata.userId;
  return userId === undefined || userId === null || userId === '' ? undefined : `m:${String(userId)}`;
}

export function responseHandler(input: ResponseHandlerInput): DeliveryV1Result {
  const { destinationResponse, destType } = input;
  const jobs: Metadata[] = Array.isArray(input.rudderJobMetadata)
    ? input.rudderJobMetadata
    : input.rudderJobMetadata
      ? [input.rudderJobMetadata]
      : [];
  const oauth = isHostOAuth(destType, jobs[0]);
  const whole = classify(destinationResponse.status, destinationResponse.response, DELIVERY_SUFFIX);
  observeDelivery(destinationResponse, jobs[0], whole);

  if (whole.outcome !== 'success') {
    const error = toErrorObject(toTransformerError(whole, destinationResponse, oauth), {}, false);
    const result: DeliveryV1Result = {
      status: error.status,
      message: error.message,
      statTags: error.statTags,
      response: jobs.map((metadata) => ({
        statusCode: error.status,
        metadata,
        error: errorText(destinationResponse.response, error.message),
      })),
    };
    if (error.authErrorCategory) result.authErrorCategory = error.authErrorCategory;
    return result;
  }

  const subs = collectionResults(destinationResponse.response);
  const held = new Set<string>();
  const response: DeliveryJobResult[] = jobs.map((metadata) => {
    const refs = destInfoOf(metadata).records;
    const user = orderKeyOf(metadata);
    const note = droppedNote(metadata);
    if (Array.isArray(refs) && refs.length > 0 && !subs) {
      const c = unreadableCollections();
      if (user) held.add(user);
      return { statusCode: c.status, metadata: { ...metadata, dontBatch: true }, error: c.message };
    }
    if (!subs || !Array.isArray(refs) || refs.length === 0) {
      // A single-record request: its one status is every job's status.
      return { statusCode: 200, metadata, error: errorText(destinationResponse.response, 'success') + note };
    }
    const verdict = jobVerdict(subs, refs);
    const c = verdict.classification;
    let entry: DeliveryJobResult;
    if (c.outcome === 'success' && user && held.has(user)) {
      const wait = new RetryableError(
        "Held back to keep this user's events in order: an earlier event of the user in this request will be retried",
      );
      entry = { statusCode: wait.status, metadata, error: wait.message };
    } else {
      entry = {
        statusCode: c.status,
        metadata,
        error: errorText(verdict.detail, c.message) + (c.status === 200 ? note : ''),
      };
    }
    if (entry.statusCode >= 500 || entry.statusCode === 429) {
      if (user) held.add(user);
      if (verdict.unattributed) entry.metadata = { ...metadata, dontBatch: true };
    }
    return entry;
  });
  const failed = response.filter((r) => r.statusCode !== 200).length;
  return {
    status: 200,
    message: failed
      ? `Request for destination: ${destType} Processed with ${failed} of ${response.length} jobs failed`
      : `Request for destination: ${destType} Processed Successfully`,
    destinationResponse,
    response,
  };
}

export class NetworkHandler {
  responseHandler = responseHandler;
  proxy = proxy;
  processAxiosResponse = (response: ProcessedResponse): ProcessedResponse => response;
  prepareProxy = (request: RequestDescriptor): RequestDescriptor => request;
}
export const networkHandler = NetworkHandler;
