/**
 * Reading Salesforce's answer to a delivered request, for both proxy handlers.
 *
 * A single-record answer has one status for all its jobs. A collections answer is HTTP 200 with one result per
 * record (`[{id, success, errors}]`), directly or inside a Composite answer (`{compositeResponse: [{body,
 * httpStatusCode}]}`): each job gets the outcome of its own records, found through `destInfo.records`.
 */
import type { Metadata, ProcessedResponse } from '../../../framework/types';
import { tokenCache } from './auth';
import { quotaGuard } from './quota';
import { isOAuthDefinition } from './config';
import { classify, classifyRecordErrors, type Classification, type Outcome } from './errorHandler';
import type { SalesforceDestInfo } from './router';

export const DELIVERY_SUFFIX = 'during Salesforce Response Handling';

/** How bad an outcome is, to pick a job's status when it wrote several records. */
const SEVERITY: Record<Outcome, number> = { success: 0, aborted: 1, retryable: 2, throttled: 3, refresh: 4 };

export function destInfoOf(metadata: Metadata | undefined): SalesforceDestInfo {
  const info = metadata?.destInfo;
  return info && typeof info === 'object' ? (info as SalesforceDestInfo) : {};
}

/** The note a delivered job's message carries when fields were dropped at transform ('' when none were). */
export function droppedNote(metadata: Metadata | undefined): string {
  const dropped = destInfoOf(metadata).droppedFields;
  return Array.isArray(dropped) && dropped.length
    ? ` (fields dropped, not in the org: ${dropped.join(', ')})`
    : '';
}

/** A 2xx answer to a collections request that is not a result list: nothing proves the records were written. */
export function unreadableCollections(): Classification {
  return classify(
    500,
    'Salesforce answered a collections request with a body that is not a result list',
    DELIVERY_SUFFIX,
  );
}

/** The destination a job belongs to, for quota and token bookkeeping ('' when unknown). */
export function destinationIdOf(metadata: Metadata | undefined): string {
  return String(destInfoOf(metadata).authKey ?? metadata?.destinationId ?? '');
}

/** Whether rudder-server owns the token: the OAuth proxy routes, or a job that carries the host's secret. */
export function isHostOAuth(destType: string, metadata: Metadata | undefined): boolean {
  const secret = metadata?.secret;
  return isOAuthDefinition(destType) || (secret !== undefined && secret !== null);
}

/**
 * Report usage and, for an expired session, drop any token we cached for the destination so the next transform
 * logs in again. This holds on the OAuth routes too: an OAuth definition with its own credentials signs in itself.
 */
export function observeDelivery(
  response: ProcessedResponse,
  metadata: Metadata | undefined,
  c: Classification,
): void {
  const destinationId = destinationIdOf(metadata);
  if (!destinationId) return;
  quotaGuard.observe(destinationId, 'delivery', response);
  if (c.outcome === 'refresh') tokenCache.evictDestination(destinationId);
}

interface SaveResult {
  success?: unknown;
  errors?: unknown;
  id?: unknown;
}

function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** The per-record results of a collections answer, per subrequest; undefined when the answer is not one. */
/** One subrequest's answer: its status, its body, and its per-record results when it succeeded. */
export interface SubrequestResult {
  status: number;
  body: unknown;
  results?: unknown[];
}

export function collectionResults(body: unknown): SubrequestResult[] | undefined {
  const direct = asArray(body);
  if (direct) return [{ status: 200, body, results: direct }];
  const composite =
    body && typeof body === 'object'
      ? asArray((body as { compositeResponse?: unknown }).compositeResponse)
      : undefined;
  if (!composite) return undefined;
  return composite.map((entry) => {
    const e = (entry ?? {}) as { httpStatusCode?: unknown; body?: unknown };
    const status = typeof e.httpStatusCode === 'number' ? e.httpStatusCode : 500;
    return { status, body: e.body, results: status >= 200 && status < 300 ? asArray(e.body) : undefined };
  });
}

export interface JobVerdict {
  classification: Classification;
  /** What to store for this job: only its own records' results. */
  detail: unknown;
  /** The job's result could not be found: retry it alone (`dontBatch`, rudder-server.md 2.5). */
  unattributed?: boolean;
}

/** The verdict for one job of a successful (2xx) collections answer. */
export function jobVerdict(subs: SubrequestResult[], refs: { sub: number; rec: number }[]): JobVerdict {
  let worst: Classification = classify(200, undefined);
  const details: unknown[] = [];
  let unattributed = false;
  for (const { sub, rec } of refs) {
    const entry = subs[sub];
    let c: Classification;
    if (!entry) {
      c = classify(500, 'Salesforce returned no result for this subrequest', DELIVERY_SUFFIX);
      unattributed = true;
      details.push(null);
    } else if (!entry.results) {
      c = classify(entry.status, entry.body, DELIVERY_SUFFIX);
      details.push(entry.body);
    } else {
      const result = entry.results[rec] as SaveResult | undefined;
      details.push(result ?? null);
      if (!result || typeof result !== 'object') {
        c = classify(500, 'Salesforce returned no result for this record', DELIVERY_SUFFIX);
        unattributed = true;
      } else if (result.success === true) {
        c = classify(200, result);
      } else {
        c = classifyRecordErrors(result.errors, DELIVERY_SUFFIX);
      }
    }
    if (SEVERITY[c.outcome] > SEVERITY[worst.outcome]) worst = c;
  }
  return { classification: worst, detail: details.length === 1 ? details[0] : details, unattributed };
}
