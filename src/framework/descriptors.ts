/**
 * Builders for request descriptors (rudder-contract.md A.1.3) and for processor and router output elements (rudder-contract.md A.1.4, A.2.2),
 * so every destination emits exactly the shapes rudder-server decodes (rudder-server.md 1.2, 5).
 */
import { toErrorObject, type StatTags } from './errors';
import type {
  Destination,
  Metadata,
  ProcessorOutput,
  RequestDescriptor,
  RequestMethod,
  RouterErrorOutput,
  RouterSuccessOutput,
} from './types';

export interface JsonRequest {
  method: RequestMethod;
  endpoint: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  json?: unknown;
  /** A low-cardinality label for metrics, such as `/sobjects/Lead`. */
  endpointPath?: string;
  userId?: string;
}

/** A descriptor whose only non-empty body slot is JSON (or none, for GET and DELETE). */
export function buildJsonRequest(request: JsonRequest): RequestDescriptor {
  const descriptor: RequestDescriptor = {
    version: '1',
    type: 'REST',
    method: request.method,
    endpoint: request.endpoint,
    headers:
      request.json === undefined
        ? { ...request.headers }
        : { 'Content-Type': 'application/json', ...request.headers },
    params: request.params ?? {},
    body: { JSON: request.json ?? {}, JSON_ARRAY: {}, XML: {}, FORM: {} },
    files: {},
  };
  if (request.endpointPath) descriptor.endpointPath = request.endpointPath;
  if (request.userId !== undefined) descriptor.userId = request.userId;
  return descriptor;
}

/** Which body slot carries data: the last non-empty one, as the proxy picks it (rudder-contract.md A.1.3). */
export function payloadOf(descriptor: Pick<RequestDescriptor, 'body'>): unknown {
  const isEmpty = (v: unknown) =>
    v === undefined || v === null || (typeof v === 'object' && Object.keys(v as object).length === 0);
  let data: unknown = undefined;
  for (const slot of ['JSON', 'JSON_ARRAY', 'XML', 'FORM'] as const) {
    const value = descriptor.body[slot];
    if (!isEmpty(value)) data = slot === 'JSON_ARRAY' ? (value as { batch?: unknown }).batch : value;
  }
  return data;
}

export function processorSuccess(
  descriptor: RequestDescriptor,
  metadata: Metadata | undefined,
): ProcessorOutput {
  return {
    output: { ...descriptor, userId: descriptor.userId ? String(descriptor.userId) : '' },
    metadata,
    statusCode: 200,
  };
}

export function processorError(
  error: unknown,
  metadata: Metadata | undefined,
  tags: StatTags,
): ProcessorOutput {
  const obj = toErrorObject(error, tags);
  return {
    metadata,
    statusCode: obj.status,
    error: obj.message || '[Processor Transform] Error occurred while processing the payload.',
    statTags: obj.statTags,
  };
}

export function routerSuccess(
  request: RequestDescriptor | RequestDescriptor[],
  metadata: Metadata[],
  destination: Destination,
  batched = false,
): RouterSuccessOutput {
  return { batchedRequest: request, metadata, batched, statusCode: 200, destination };
}

/** One error element for the given jobs; carries `authErrorCategory` when the error has one (rudder-contract.md A.2.2). */
export function routerError(
  error: unknown,
  metadata: Metadata[],
  destination?: Destination,
): RouterErrorOutput {
  const obj = toErrorObject(error);
  const output: RouterErrorOutput = {
    metadata,
    batched: false,
    statusCode: obj.status,
    error: obj.message,
    statTags: obj.statTags,
  };
  if (destination) output.destination = destination;
  if (obj.authErrorCategory) output.authErrorCategory = obj.authErrorCategory;
  return output;
}

/**
 * One element for jobs the destination handled without a request (nothing to do, such as deleting a record already
 * gone): status 299, which rudder-server marks Succeeded without delivering anything (rudder-server.md 1.6).
 */
export function routerHandled(
  note: string,
  metadata: Metadata[],
  destination?: Destination,
): RouterErrorOutput {
  const output: RouterErrorOutput = { metadata, batched: false, statusCode: 299, error: note, statTags: {} };
  if (destination) output.destination = destination;
  return output;
}
