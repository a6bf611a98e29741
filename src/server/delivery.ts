/**
 * The transformer proxy (rudder-contract.md A.5.3, A.5.4; rudder-server.md 2.2, 2.3): send the descriptor, hand the processed
 * response to the destination's network handler, and shape the reply the way rudder-server reads it.
 * Transport-free, so the HTTP routes and the CLI share it.
 */
import { isContractError, toErrorObject, type StatTags } from '../framework/errors';
import type {
  DeliveryJobResult,
  DeliveryV0Result,
  DeliveryV1Result,
  Metadata,
  ProxyV0Request,
  ProxyV1Request,
} from '../framework/types';
import type { DestinationHandlers } from './destinations';
import { errorTags } from './inputs';

/**
 * rudder-server's per-request budget for the destination call (`RdProxy-Timeout`, milliseconds, rudder-server.md
 * 2.2); undefined when absent or unusable, so the client's default applies.
 */
export function proxyTimeoutMs(header: unknown): number | undefined {
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The literal the reference uses when a job's ids are unknown (sic). */
export const NON_DETERMINABLE = 'Non-determininable';

/** Reference `getCompatibleStatusCode`: 2xx → 200, 404 → 400, anything else unchanged. */
export function compatibleStatus(status: number): number {
  if (status >= 200 && status < 300) return 200;
  if (status === 404) return 400;
  return status;
}

export interface DeliveryV0Failure {
  status: number;
  message: string;
  destinationResponse: unknown;
  statTags: StatTags;
  authErrorCategory?: string;
}

export interface DeliveryV1Failure {
  status: number;
  message: string;
  statTags: StatTags;
  authErrorCategory?: string;
  response: DeliveryJobResult[];
}

/** Told about errors that are not contract errors (bugs, broken handlers), for logging. */
export type UnexpectedErrorSink = (error: unknown, where: string) => void;

export interface DeliveryReply<T> {
  /** HTTP status of the reply. */
  httpStatus: number;
  output: T;
}

/** Proxy v0: one job, one status. */
export async function deliverV0(
  request: ProxyV0Request,
  destType: string,
  handlers: DestinationHandlers,
  onUnexpected?: UnexpectedErrorSink,
  timeoutMs?: number,
): Promise<DeliveryReply<DeliveryV0Result | DeliveryV0Failure>> {
  const metadata = request.metadata as Metadata | undefined;
  try {
    const destinationResponse = await handlers.proxy(request, destType, timeoutMs);
    const output = handlers.v0ResponseHandler({
      destinationResponse,
      rudderJobMetadata: metadata,
      destType,
      destinationRequest: request,
    });
    return { httpStatus: compatibleStatus(output.status), output };
  } catch (error) {
    if (!isContractError(error)) onUnexpected?.(error, 'proxy v0');
    return failedV0(error, destType, metadata);
  }
}

/** Spec A.5.3 `handleDeliveryFailureEvents`: the error as the v0 failure output. */
export function failedV0(
  error: unknown,
  destType: string,
  metadata: Metadata | undefined,
): DeliveryReply<DeliveryV0Failure> {
  const tags = errorTags(destType, 'dataDelivery', metadata, NON_DETERMINABLE);
  const obj = toErrorObject(error, tags, false);
  const output: DeliveryV0Failure = {
    status: obj.status,
    message: obj.message,
    destinationResponse: obj.destinationResponse,
    statTags: { ...obj.statTags, ...tags },
  };
  if (obj.authErrorCategory) output.authErrorCategory = obj.authErrorCategory;
  return { httpStatus: compatibleStatus(output.status), output };
}

/** The body text a failed job stores: the destination's answer when there is one, else the message. */
function failureText(destinationResponse: unknown, message: string): string {
  const response =
    destinationResponse && typeof destinationResponse === 'object'
      ? (destinationResponse as { response?: unknown }).response
      : undefined;
  return (response === undefined ? undefined : JSON.stringify(response)) || message;
}

/** Proxy v1: one entry per job of the request. */
export async function deliverV1(
  request: ProxyV1Request,
  destType: string,
  handlers: DestinationHandlers,
  onUnexpected?: UnexpectedErrorSink,
  timeoutMs?: number,
): Promise<DeliveryReply<DeliveryV1Result | DeliveryV1Failure>> {
  const jobs = request.metadata as Metadata[];
  try {
    const destinationResponse = await handlers.proxy(request, destType, timeoutMs);
    const output = handlers.v1ResponseHandler({
      destinationResponse,
      rudderJobMetadata: jobs,
      destType,
      destinationRequest: request,
    });
    return { httpStatus: output.authErrorCategory ? compatibleStatus(output.status) : 200, output };
  } catch (error) {
    if (!isContractError(error)) onUnexpected?.(error, 'proxy v1');
    return failedV1(error, destType, jobs);
  }
}

/** Spec A.5.4 item 3 (`handlevV1DeliveriesFailureEvents`): every job gets the error's status. */
export function failedV1(
  error: unknown,
  destType: string,
  jobs: Metadata[],
): DeliveryReply<DeliveryV1Failure> {
  const tags = errorTags(destType, 'dataDelivery', jobs[0], NON_DETERMINABLE);
  const obj = toErrorObject(error, tags, false);
  const text = failureText(obj.destinationResponse, obj.message);
  const output: DeliveryV1Failure = {
    response: jobs.map((metadata) => ({ error: text, statusCode: obj.status, metadata })),
    statTags: { ...obj.statTags, ...tags },
    message: obj.message,
    status: obj.status,
  };
  if (obj.authErrorCategory) output.authErrorCategory = obj.authErrorCategory;
  return { httpStatus: obj.authErrorCategory ? compatibleStatus(obj.status) : 200, output };
}

/** Per-job statuses of a delivery, for metrics. */
export function deliveryStatusesV1(output: DeliveryV1Result | DeliveryV1Failure): number[] {
  return output.response.map((r) => r.statusCode);
}
