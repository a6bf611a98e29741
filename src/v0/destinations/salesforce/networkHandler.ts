/**
 * Proxy v0 network handler (rudder-contract.md A.5.2, A.5.3): one status for the whole request.
 * Reference-compatible for single-record requests. A collections answer is HTTP 200 even when records failed, so
 * here any failed record fails the request with that record's classification (the worst one): the jobs are retried
 * or aborted, never silently marked delivered. Per-job statuses need proxy v1 (src/v1/destinations/salesforce).
 */
import { descriptorRequest } from '../../../framework/http';
import type {
  DeliveryV0Result,
  Metadata,
  ProcessedResponse,
  RequestDescriptor,
  ResponseHandlerInput,
} from '../../../framework/types';
import { DEFAULT_API_QUOTA_THRESHOLD } from './config';
import {
  classifyAnswer,
  collectionResults,
  destinationIdOf,
  jobVerdict,
  observeDelivery,
  unreadableCollections,
} from './delivery';
import { droppedNote } from './destInfo';
import { toContractError, type Classification } from './errorHandler';
import {
  bindHost as bindHostRuntime,
  defaultRuntime,
  type HostRequire,
  type SalesforceRuntime,
} from './runtime';

function firstMetadata(metadata: Metadata | Metadata[] | undefined): Metadata | undefined {
  return Array.isArray(metadata) ? metadata[0] : metadata;
}

/** Whether a request wrote through sObject collections (directly or in a Composite request). */
export function isCollectionsRequest(request: unknown): boolean {
  const endpoint = (request as { endpoint?: unknown } | undefined)?.endpoint;
  return typeof endpoint === 'string' && /\/composite(\/sobjects(\/[^/]+\/[^/]+)?)?$/.test(endpoint);
}

/** A successful answer looked into: a collections answer is only as good as its worst record. */
function recordsVerdict(c: Classification, response: ProcessedResponse, request: unknown): Classification {
  if (c.outcome !== 'success') return c;
  const subs = collectionResults(response.response);
  if (!subs) return isCollectionsRequest(request) ? unreadableCollections() : c;
  const refs = subs.flatMap((s, sub) => (s.results ?? [undefined]).map((_, rec) => ({ sub, rec })));
  return jobVerdict(subs, refs).classification;
}

/** What the proxy receives: a descriptor plus the jobs' metadata and the destination config (rudder-contract.md A.5.3). */
export type ProxyRequest = RequestDescriptor & {
  metadata?: Metadata | Metadata[];
  destinationConfig?: Record<string, unknown>;
};

/** The proxy's side of the network handler contract, shared by the v0 and v1 handlers. */
export interface ProxySide {
  /**
   * Send a descriptor (the proxy's HTTP call) — unless the destination's last answers said its daily API allocation
   * is past `apiQuotaThreshold`: then nothing is spent and the jobs are throttled (429), retried later.
   */
  proxy(request: ProxyRequest, destType?: string, timeoutMs?: number): Promise<ProcessedResponse>;
  /** Our `proxy` already returns the processed response: passed through. */
  processAxiosResponse(response: ProcessedResponse): ProcessedResponse;
  prepareProxy(request: RequestDescriptor): RequestDescriptor;
}

export function proxySide(runtime: SalesforceRuntime): ProxySide {
  return {
    async proxy(request, _destType, timeoutMs) {
      const destinationId = destinationIdOf(firstMetadata(request.metadata));
      const configured = Number(request.destinationConfig?.apiQuotaThreshold);
      const threshold = configured > 0 && configured <= 1 ? configured : DEFAULT_API_QUOTA_THRESHOLD;
      const reason = destinationId ? runtime.quota.blocked(destinationId, threshold) : undefined;
      if (reason) return { status: 429, response: reason };
      return runtime.http(descriptorRequest(request, timeoutMs));
    },
    processAxiosResponse: (response) => response,
    prepareProxy: (request) => request,
  };
}

export interface V0Handler extends ProxySide {
  responseHandler(input: ResponseHandlerInput): DeliveryV0Result;
}

/** The v0 handler on a runtime; it throws the contract error of a failed delivery. */
export function createV0Handler(runtime: SalesforceRuntime): V0Handler {
  const responseHandler = (input: ResponseHandlerInput): DeliveryV0Result => {
    const { destinationResponse, destType } = input;
    const metadata = firstMetadata(input.rudderJobMetadata);
    const whole = classifyAnswer(destinationResponse, destType, metadata);
    const c = recordsVerdict(whole.classification, destinationResponse, input.destinationRequest);
    observeDelivery(runtime, destinationResponse, metadata, c);
    if (c.outcome !== 'success') {
      throw runtime.forHost(toContractError(c, destinationResponse, whole.owner));
    }
    return {
      status: 200,
      message: `Request for destination: ${destType} Processed Successfully${droppedNote(metadata)}`,
      destinationResponse,
    };
  };
  return { ...proxySide(runtime), responseHandler };
}

/**
 * The class rudder-transformer instantiates with `new` (rudder-contract.md A.5.2): its instances are the handler
 * `create` makes on the given runtime, the default runtime without one. Shared by the v0 and v1 handlers.
 */
export function handlerClass<H extends ProxySide>(
  create: (runtime: SalesforceRuntime) => H,
): new (runtime?: SalesforceRuntime) => H {
  return class NetworkHandler {
    constructor(runtime: SalesforceRuntime = defaultRuntime()) {
      Object.assign(this, create(runtime));
    }
  } as new (runtime?: SalesforceRuntime) => H;
}

/** The v0 network handler on the default runtime (or the one given). */
export const NetworkHandler = handlerClass(createV0Handler);
export const networkHandler = NetworkHandler;

/** For a host that loads the built destination with its own axios and integrations library (rudder-transformer). */
export function bindHost(hostRequire: HostRequire) {
  bindHostRuntime(hostRequire);
  return { networkHandler, NetworkHandler };
}
