/**
 * `/routerTransform` as the reference host runs it (rudder-contract.md A.2.1–A.2.4, rudder-server.md 1.2 and 5):
 *
 * 1. empty or non-array `input` → one "Invalid event array" element;
 * 2. inputs grouped by destination id and configuration, each group handed to `processRouterDest` concurrently;
 * 3. every element's `userId` normalised and its metadata replaced by `processMetadataForRouter(element)`;
 * 4. a group whose `processRouterDest` throws becomes one error element carrying all its jobs.
 *
 * Every input job ends up in exactly one element (a malformed input gets its own error element).
 */
import { routerError } from '../framework/descriptors';
import { isContractError, toErrorObject } from '../framework/errors';
import type {
  Metadata,
  RequestDescriptor,
  RequestMetadata,
  RouterErrorOutput,
  RouterOutput,
  TransformInput,
} from '../framework/types';
import type { UnexpectedErrorSink } from './delivery';
import type { DestinationHandlers } from './destinations';
import {
  checkInput,
  errorTags,
  rootIn,
  shareDestinations,
  stableStringify,
  type CheckedInput,
} from './inputs';

export interface InvalidEventArrayOutput {
  metadata: [{ destType: unknown }];
  batched: false;
  statusCode: 400;
  error: 'Invalid event array';
}

export type RouterReplyElement = RouterOutput | InvalidEventArrayOutput;

/** The element answering an empty or non-array `input` (reference `checkInvalidRtTfEvents`). */
export function invalidEventArray(destType: unknown): InvalidEventArrayOutput {
  return { metadata: [{ destType }], batched: false, statusCode: 400, error: 'Invalid event array' };
}

function normaliseUserId(descriptor: RequestDescriptor, always: boolean): RequestDescriptor {
  const { userId } = descriptor as { userId?: unknown };
  if (always ? userId === undefined || userId === null : !userId) return descriptor;
  return { ...descriptor, userId: String(userId) };
}

/** Spec A.2.3: copy the element, normalise `userId`, then let the destination rewrite the metadata. */
function postProcess(element: RouterOutput, handlers: DestinationHandlers): RouterOutput {
  const copy: RouterOutput = { ...element };
  if ('batchedRequest' in copy) {
    copy.batchedRequest = Array.isArray(copy.batchedRequest)
      ? copy.batchedRequest.map((d) => normaliseUserId(d, true))
      : normaliseUserId(copy.batchedRequest, false);
  }
  copy.metadata = handlers.transform.processMetadataForRouter(copy);
  return copy;
}

/** Spec A.2.3 `handleRouterTransformFailureEvents`: the group's jobs in one element, tags enriched. */
function groupFailure(error: unknown, inputs: TransformInput[], destType: string): RouterErrorOutput {
  const metadata = inputs.map((i) => i.metadata ?? {});
  const obj = toErrorObject(error, errorTags(destType, 'router', metadata[0]));
  return {
    metadata,
    batched: false,
    statusCode: obj.status,
    error: obj.message,
    statTags: { ...obj.statTags, ...errorTags(destType, 'router', metadata[0]) },
  };
}

interface Group {
  first: number;
  inputs: TransformInput[];
}

/**
 * Group by destination id and configuration, keeping first-appearance order. The key of a destination object is
 * computed once: a request's inputs usually share one destination object (always in the compacted form).
 */
function groupInputs(checked: CheckedInput[]): Group[] {
  const groups = new Map<string, Group>();
  const keys = new Map<object, string>();
  for (const item of checked) {
    if (!item.ok) continue;
    const { destination } = item.input;
    let key = keys.get(destination);
    if (key === undefined) {
      key = `${destination.ID}\u0000${stableStringify(destination.Config)}`;
      keys.set(destination, key);
    }
    const group = groups.get(key);
    if (group) group.inputs.push(item.input);
    else groups.set(key, { first: item.index, inputs: [item.input] });
  }
  return [...groups.values()];
}

export async function runRouter(
  rawInputs: unknown,
  destType: string,
  handlers: DestinationHandlers,
  requestMetadata: RequestMetadata,
  onUnexpected?: UnexpectedErrorSink,
): Promise<RouterReplyElement[]> {
  if (!Array.isArray(rawInputs) || rawInputs.length === 0) return [invalidEventArray(destType)];
  shareDestinations(rawInputs);
  const root = rootIn('input');
  const checked = rawInputs.map((raw, i) => checkInput(raw, i, root));
  const parts: { first: number; elements: RouterReplyElement[] }[] = [];
  for (const item of checked) {
    if (item.ok) continue;
    const metadata: Metadata = item.metadata ?? {};
    parts.push({ first: item.index, elements: [postProcess(routerError(item.error, [metadata]), handlers)] });
  }
  await Promise.all(
    groupInputs(checked).map(async (group) => {
      let elements: RouterReplyElement[];
      try {
        const outputs = await handlers.transform.processRouterDest(group.inputs, requestMetadata);
        elements = outputs.map((element) => postProcess(element, handlers));
      } catch (error) {
        if (!isContractError(error)) onUnexpected?.(error, 'router');
        elements = [groupFailure(error, group.inputs, destType)];
      }
      parts.push({ first: group.first, elements });
    }),
  );
  return parts.sort((a, b) => a.first - b.first).flatMap((p) => p.elements);
}

/** The per-job status codes of a router reply, for metrics. */
export function jobStatuses(elements: RouterReplyElement[]): number[] {
  const statuses: number[] = [];
  for (const e of elements) for (let i = 0; i < e.metadata.length; i++) statuses.push(e.statusCode);
  return statuses;
}
