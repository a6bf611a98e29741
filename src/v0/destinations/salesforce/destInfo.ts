/**
 * The `metadata.destInfo` contract: the only per-job data rudder-server carries from `/routerTransform` to the proxy
 * (rudder-server.md 1.4). The router writes it, the network handlers read it back. This module owns its shape, the
 * user order key it carries, and the error that holds a user's later job back.
 */
import { RetryableError } from '../../../framework/errors';
import type { Metadata, RouterInput } from '../../../framework/types';
import { spreadBoth, spreadWith } from '../../../framework/objects';
import { isObject } from '../../../framework/validate';

/** Where a job's record sits in a collections answer: subrequest index and record index. */
export interface RecordRef {
  sub: number;
  rec: number;
}

/** Per-job data the network handlers read back at delivery. */
export interface SalesforceDestInfo {
  /** The destination id (rudder-contract.md A.2.4): token and quota bookkeeping at delivery. */
  authKey?: string;
  /** The user's order key: the proxy does not receive `metadata.userId` (rudder-server.md 2.2). */
  orderKey?: string;
  /** Where this job's records sit in a collections answer. */
  records?: RecordRef[];
  /** Fields removed because the org lacks them (unknownFieldPolicy drop), reported with the delivery status. */
  droppedFields?: string[];
}

export function destInfoOf(metadata: Metadata | undefined): SalesforceDestInfo {
  const info = metadata?.destInfo;
  return isObject(info) ? (info as SalesforceDestInfo) : {};
}

/** A copy of the job's metadata with `extra` merged into its `destInfo`; the rest is echoed unchanged. */
export function withDestInfo(metadata: Metadata | undefined, extra: SalesforceDestInfo): Metadata {
  const base = metadata ?? {};
  return spreadWith(base, 'destInfo', spreadBoth(destInfoOf(base), extra));
}

/**
 * The same as {@link withDestInfo} for an `info` object the caller built for this job alone: it becomes the
 * `destInfo` as it is when the metadata had none (nothing else holds it, so nothing is copied).
 */
export function withOwnDestInfo(metadata: Metadata | undefined, info: SalesforceDestInfo): Metadata {
  const base = metadata ?? {};
  const prior = base.destInfo;
  return spreadWith(base, 'destInfo', isObject(prior) ? spreadBoth(prior as SalesforceDestInfo, info) : info);
}

/** The user a job belongs to: rudder-server's order key is `metadata.userId` (rudder-server.md 1.7). */
export function orderKey(input: RouterInput): string {
  const fromMetadata = scalar(input.metadata?.userId);
  if (fromMetadata) return `m:${fromMetadata}`;
  const { userId, anonymousId } = input.message;
  return `e:${scalar(userId)}:${scalar(anonymousId)}`;
}

/** An id as text: strings and numbers only ('' otherwise: never stringify an arbitrary, maybe deep, value). */
function scalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** The order key of a delivered job: from `destInfo`, else from `metadata.userId` when the proxy has it. */
export function orderKeyOf(metadata: Metadata): string | undefined {
  const fromInfo = destInfoOf(metadata).orderKey;
  if (typeof fromInfo === 'string' && fromInfo) return fromInfo;
  const userId = scalar(metadata.userId);
  return userId ? `m:${userId}` : undefined;
}

/**
 * The error of a job held back so that it does not overtake an earlier job of its user that will be retried
 * (rudder-server.md 1.7): retryable, and retried after it.
 */
export function heldBack(where: 'batch' | 'request'): RetryableError {
  return new RetryableError(
    `Held back to keep this user's events in order: an earlier event of the user in this ${where} ${where === 'batch' ? 'failed and will be retried' : 'will be retried'}`,
  );
}

/** The note a delivered job's message carries when fields were dropped at transform ('' when none were). */
export function droppedNote(metadata: Metadata | undefined): string {
  const dropped = destInfoOf(metadata).droppedFields;
  return Array.isArray(dropped) && dropped.length
    ? ` (fields dropped, not in the org: ${dropped.join(', ')})`
    : '';
}
