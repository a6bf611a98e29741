/**
 * Proxy v0 network handler (spec A.5.2, A.5.3): one status for the whole request. Reference-compatible for
 * single-record requests. A collections answer is HTTP 200 even when records failed, so here any failed record
 * fails the request with that record's classification (the worst one): the jobs are retried or aborted, never
 * silently marked delivered. Per-job statuses need proxy v1 (src/v1/destinations/salesforce/networkHandler.ts).
 */
import { sendDescriptor } from '../../../framework/http';
import type {
  DeliveryV0Result,
  Metadata,
  ProcessedResponse,
  RequestDescriptor,
  ResponseHandlerInput,
} from '../../../framework/types';
import { classify, toTransformerError, type Classification } from './errorHandler';
import { DEFAULT_API_QUOTA_THRESHOLD } from './config';
import {
  collectionResults,
  DELIVERY_SUFFIX,
  destinationIdOf,
  droppedNote,
  isHostOAuth,
  jobVerdict,
  observeDelivery,
  unreadableCollections,
} from './delivery';
import { quotaGuard } from './quota';

function firstMetadata(metadata: Metadata | Metadata[] | undefined): Metadata | undefined {
  return Array.isArray(metadata) ? metadata[0] : metadata;
}

/** Whether a request wrote through sObject collections (directly or in a Composite request). */
export function isCollectionsRequest(request: unknown): boolean {
  const endpoint = (request as { endpoint?: unknown } | undefined)?.endpoint;
  return typeof endpoint === 'string' && /\/composite(\/sobjects(\/[^/]+\/[^/]+)?)?$/.test(endpoint);
}

/** The classification of a whole answer, looking into collections results. */
export function classifyDelivery(response: ProcessedResponse, request?: unknown): Classification {
  const c = classify(response.status, response.response, DELIVERY_SUFFIX);
  if (c.outcome !== 'success') return c;
  const subs = collectionResults(response.response);
  if (!subs && isCollectionsRequest(request)) return unreadableCollections();
  if (!subs) return c;
  const refs = subs.flatMap((s, sub) => (s.results ?? [undefined]).map((_, rec) => ({ sub, rec })));
  return jobVerdict(subs, refs).classification;
}

export function responseHandler(input: ResponseHandlerInput): DeliveryV0Result {
  const { destinationResponse, destType } = input;
  const metadata = firstMetadata(input.rudderJobMetadata);
  const oauth = isHostOAuth(destType, metadata);
  const c = classifyDelivery(destinationResponse, input.destinationRequest);
  observeDelivery(destinationResponse, metadata, c);
  if (c.outcome !== 'success') throw toTransformerError(c, destinationResponse, oauth);
  return {
    status: 200,
    message: `Request for destination: ${destType} Processed Successfully${droppedNote(metadata)}`,
    destinationResponse,
  };
}

/** What the proxy receives: a descriptor plus the jobs' metadata and the destination config (spec A.5.3). */
export type ProxyRequest = RequestDescriptor & {
  metadata?: Metadata | Metadata[];
  destinationConfig?: Record<string, unknown>;
};

/**
 * Send a descriptor (the proxy's HTTP call) — unless the destination's last answers said its daily API allocation is
 * past `apiQuotaThreshold`: then nothing is spent and the jobs are throttled (429), retried later.
 */
export async function proxy(
  request: ProxyRequest,
  _destType?: string,
  timeoutMs?: number,
): Promise<ProcessedResponse> {
  const destinationId = destinationIdOf(firstMetadata(request.metadata));
  const configured = Number(request.destinationConfig?.apiQuotaThreshold);
  const threshold = configured > 0 && configured <= 1 ? configured : DEFAULT_API_QUOTA_THRESHOLD;
  const reason = destinationId ? quotaGuard.blocked(destinationId, threshold) : undefined;
  if (reason) return { status: 429, response: reason };
  return sendDescriptor(request, timeoutMs);
}

/**
 * The network handler object rudder-transformer instantiates with `new` (spec A.5.2). Our `proxy` already
 * returns the processed response, so `processAxiosResponse` passes it through.
 */
export class NetworkHandler {
  responseHandler = responseHandler;
  proxy = proxy;
  processAxiosResponse = (response: ProcessedResponse): ProcessedResponse => response;
  prepareProxy = (request: RequestDescriptor): RequestDescriptor => request;
}
export const networkHandler = NetworkHandler;
