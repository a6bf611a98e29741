/**
 * Reading Salesforce's answer to a delivered request, for both proxy handlers.
 *
 * A single-record answer has one status for all its jobs. A collections answer is HTTP 200 with one result per
 * record (`[{id, success, errors}]`), directly or inside a Composite answer (`{compositeResponse: [{body,
 * httpStatusCode}]}`): each job gets the outcome of its own records, found through `destInfo.records`. Answers are
 * validated against their schemas; a record whose result cannot be read is never counted as written.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Metadata, ProcessedResponse } from '../../../framework/types';
import { ajv } from '../../../framework/validate';
import { tokenOwnerAtDelivery, type TokenOwner } from './auth';
import { destInfoOf, type RecordRef } from './destInfo';
import { classify, classifyRecordErrors, type Classification, type Outcome } from './errorHandler';
import type { SalesforceRuntime } from './runtime';

export const DELIVERY_SUFFIX = 'during Salesforce Response Handling';

/** How bad an outcome is, to pick a job's status when it wrote several records. */
const SEVERITY: Record<Outcome, number> = { success: 0, aborted: 1, retryable: 2, throttled: 3, refresh: 4 };

/** One record's result in a collections answer (SaveResult / UpsertResult / DeleteResult). */
const SaveResultSchema = Type.Union([
  Type.Object(
    { success: Type.Literal(true), id: Type.Optional(Type.String()), created: Type.Optional(Type.Boolean()) },
    { additionalProperties: true },
  ),
  Type.Object(
    { success: Type.Literal(false), errors: Type.Optional(Type.Array(Type.Unknown())) },
    { additionalProperties: true },
  ),
]);
type SaveResult = Static<typeof SaveResultSchema>;
const isSaveResult = ajv.compile<SaveResult>(SaveResultSchema);

/** One subrequest's answer inside a Composite answer. */
const CompositeEntrySchema = Type.Object(
  { httpStatusCode: Type.Integer(), body: Type.Optional(Type.Unknown()) },
  { additionalProperties: true },
);
const CompositeAnswerSchema = Type.Object(
  { compositeResponse: Type.Array(Type.Unknown()) },
  { additionalProperties: true },
);
const isCompositeEntry = ajv.compile<Static<typeof CompositeEntrySchema>>(CompositeEntrySchema);
const isCompositeAnswer = ajv.compile<Static<typeof CompositeAnswerSchema>>(CompositeAnswerSchema);

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

/**
 * Report usage and, for an expired session, drop any token we cached for the destination so the next transform
 * logs in again. This holds on the OAuth routes too: an OAuth definition with its own credentials signs in itself.
 */
export function observeDelivery(
  runtime: SalesforceRuntime,
  response: ProcessedResponse,
  metadata: Metadata | undefined,
  c: Classification,
): void {
  const destinationId = destinationIdOf(metadata);
  if (!destinationId) return;
  runtime.quota.observe(destinationId, 'delivery', response);
  if (c.outcome === 'refresh') runtime.tokens.evictDestination(destinationId);
}

/** The whole answer classified, and who owns its session, for the route `destType` and the job that tells it. */
export function classifyAnswer(
  response: ProcessedResponse,
  destType: string,
  metadata: Metadata | undefined,
): { classification: Classification; owner: TokenOwner } {
  const owner = tokenOwnerAtDelivery(destType, metadata);
  return {
    classification: classify(response.status, response.response, DELIVERY_SUFFIX, {
      hostToken: owner === 'host',
    }),
    owner,
  };
}

/** One subrequest's answer: its status, its body, and its per-record results when it succeeded. */
export interface SubrequestResult {
  status: number;
  body: unknown;
  results?: unknown[];
}

/** The per-record results of a collections answer, per subrequest; undefined when the answer is not one. */
export function collectionResults(body: unknown): SubrequestResult[] | undefined {
  if (Array.isArray(body)) return [{ status: 200, body, results: body }];
  if (!isCompositeAnswer(body)) return undefined;
  return body.compositeResponse.map((entry) => {
    if (!isCompositeEntry(entry)) return { status: 500, body: entry };
    const { httpStatusCode: status, body: sub } = entry;
    if (status < 200 || status >= 300) return { status, body: sub };
    // A collections subrequest that succeeded answers a result list; anything else proves nothing was written.
    if (!Array.isArray(sub))
      return { status: 500, body: 'Salesforce answered a subrequest with a body that is not a result list' };
    return { status, body: sub, results: sub as unknown[] };
  });
}

export interface JobVerdict {
  classification: Classification;
  /** What to store for this job: only its own records' results. */
  detail: unknown;
  /** The job's result could not be found: retry it alone (`dontBatch`, rudder-server.md 2.5). */
  unattributed?: boolean;
  /** Subrequests of the job's records that Salesforce refused whole, without per-record results. */
  refused?: number[];
}

/** One record's outcome; `unattributed` when its result cannot be read. */
function recordVerdict(subs: SubrequestResult[], { sub, rec }: RecordRef): JobVerdict {
  const entry = subs[sub];
  if (!entry) {
    const c = classify(500, 'Salesforce returned no result for this subrequest', DELIVERY_SUFFIX);
    return { classification: c, detail: null, unattributed: true };
  }
  if (!entry.results) {
    const c = classify(entry.status, entry.body, DELIVERY_SUFFIX);
    return { classification: c, detail: entry.body, refused: [sub] };
  }
  const result = entry.results[rec];
  if (!isSaveResult(result)) {
    const c = classify(500, 'Salesforce returned no result for this record', DELIVERY_SUFFIX);
    return { classification: c, detail: result ?? null, unattributed: true };
  }
  const c = result.success ? classify(200, result) : classifyRecordErrors(result.errors, DELIVERY_SUFFIX);
  return { classification: c, detail: result };
}

/** The verdict for one job of a successful (2xx) collections answer: the worst of its records'. */
export function jobVerdict(subs: SubrequestResult[], refs: RecordRef[]): JobVerdict {
  let worst: Classification = classify(200, undefined);
  const details: unknown[] = [];
  const refused: number[] = [];
  let unattributed = false;
  for (const ref of refs) {
    const verdict = recordVerdict(subs, ref);
    details.push(verdict.detail);
    unattributed ||= verdict.unattributed === true;
    refused.push(...(verdict.refused ?? []));
    if (SEVERITY[verdict.classification.outcome] > SEVERITY[worst.outcome]) worst = verdict.classification;
  }
  return {
    classification: worst,
    detail: details.length === 1 ? details[0] : details,
    unattributed,
    refused,
  };
}

/**
 * A refusal of a whole collections request (or Composite subrequest) that one record can cause — a value Salesforce
 * could not read (JSON_PARSER_ERROR), a type it does not take, any 400 without per-record results — when it carried
 * the records of several jobs: no job can be blamed, so each is retried on its own (`dontBatch`, rudder-server.md
 * 2.5) and only the one at fault ends aborted.
 */
export function isolateRefusal(c: Classification): Classification {
  const isolated: Classification = {
    outcome: 'retryable',
    status: 500,
    rule: 'isolate-refusal',
    message: `Salesforce refused the whole request, which carried several jobs' records, for a reason one record can cause; this job is retried on its own to find the record at fault. ${c.message}`,
  };
  if (c.errorCode) isolated.errorCode = c.errorCode;
  return isolated;
}
