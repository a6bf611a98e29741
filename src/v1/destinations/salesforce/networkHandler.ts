/**
 * Proxy v1 network handler (rudder-contract.md A.5.4, rudder-server.md 2.3): one entry per job of the request.
 *
 * - A whole-request failure (401, 403 limit, 5xx, timeouts) is thrown as the contract error, as rudder-transformer's
 *   own handlers do: the host gives every job its status and stat tags, and an expired host-owned session carries
 *   the top-level `authErrorCategory` so rudder-server refreshes the token.
 * - A collections answer gives each job the outcome of its own records: a lock-row failure retries only its jobs,
 *   an invalid field aborts only its jobs; a failed job's entry carries its stat tags.
 * - Order: once a user's job must be retried, that user's later jobs in the request are retried too, never
 *   reported delivered ahead of it.
 * - A job whose result cannot be found is retried alone (`dontBatch`).
 */
import type {
  DeliveryJobResult,
  DeliveryV1Result,
  Metadata,
  ProcessedResponse,
  ResponseHandlerInput,
} from '../../../framework/types';
import type { StatTags } from '../../../framework/errors';
import { spreadBoth, spreadWith } from '../../../framework/objects';
import {
  classifyAnswer,
  collectionResults,
  isolateRefusal,
  jobVerdict,
  observeDelivery,
  type JobVerdict,
  unreadableCollections,
  type SubrequestResult,
} from '../../../v0/destinations/salesforce/delivery';
import {
  destInfoOf,
  droppedNote,
  heldBack,
  orderKeyOf,
  type RecordRef,
} from '../../../v0/destinations/salesforce/destInfo';
import {
  statTagsOf,
  toContractError,
  type Classification,
} from '../../../v0/destinations/salesforce/errorHandler';
import { handlerClass, proxySide, type ProxySide } from '../../../v0/destinations/salesforce/networkHandler';
import {
  bindHost as bindHostRuntime,
  type HostRequire,
  type SalesforceRuntime,
} from '../../../v0/destinations/salesforce/runtime';

function errorText(detail: unknown, fallback: string): string {
  if (detail === undefined || detail === '') return fallback;
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

/** The tags a failed job's entry carries, as rudder-transformer's delivery errors carry them (rudder-contract.md A.5.3). */
function jobTags(c: Classification, destType: string, metadata: Metadata): StatTags {
  const asTag = (v: unknown) =>
    v === undefined || v === null || v === '' ? 'Non-determininable' : String(v);
  return spreadBoth(statTagsOf(c), {
    destType: destType.toUpperCase(),
    module: 'destination',
    implementation: 'native',
    feature: 'dataDelivery',
    destinationId: asTag(metadata.destinationId),
    workspaceId: asTag(metadata.workspaceId),
  });
}

/** What a successful (2xx) answer says, read once for all its jobs. */
interface Answer {
  response: ProcessedResponse;
  subs: SubrequestResult[] | undefined;
  /** How many jobs have records in each subrequest. */
  jobsPerSub: Map<number, number>;
  /** Users whose later jobs must wait: an earlier job of theirs will be retried. */
  held: Set<string>;
}

function jobsPerSubrequest(jobs: Metadata[]): Map<number, number> {
  const count = new Map<number, number>();
  for (const metadata of jobs) {
    const subs = new Set((destInfoOf(metadata).records ?? []).map((r) => r.sub));
    for (const sub of subs) count.set(sub, (count.get(sub) ?? 0) + 1);
  }
  return count;
}

/** A job's verdict from its records; a refusal of a subrequest shared with other jobs is retried alone. */
function verdictOf(refs: RecordRef[], answer: Answer): JobVerdict {
  const verdict = jobVerdict(answer.subs as SubrequestResult[], refs);
  const shared = (verdict.refused ?? []).some((sub) => (answer.jobsPerSub.get(sub) ?? 0) > 1);
  if (verdict.classification.outcome !== 'aborted' || !shared) return verdict;
  return { ...verdict, classification: isolateRefusal(verdict.classification), unattributed: true };
}

/** A job's entry in a successful (2xx) answer. */
function jobEntry(metadata: Metadata, answer: Answer): { entry: DeliveryJobResult; c?: Classification } {
  const { subs, held } = answer;
  const refs = destInfoOf(metadata).records;
  const user = orderKeyOf(metadata);
  if (Array.isArray(refs) && refs.length > 0 && !subs) {
    const c = unreadableCollections();
    if (user) held.add(user);
    return {
      entry: { statusCode: c.status, metadata: spreadWith(metadata, 'dontBatch', true), error: c.message },
      c,
    };
  }
  if (!subs || !Array.isArray(refs) || refs.length === 0) {
    // A single-record request: its one status is every job's status.
    return {
      entry: {
        statusCode: 200,
        metadata,
        error: errorText(answer.response.response, 'success') + droppedNote(metadata),
      },
    };
  }
  const verdict = verdictOf(refs, answer);
  const c = verdict.classification;
  if (c.outcome === 'success' && user && held.has(user)) {
    const wait = heldBack('request');
    return {
      entry: { statusCode: wait.status, metadata, error: wait.message },
      c: { ...c, outcome: 'retryable', status: 500 },
    };
  }
  const error = errorText(verdict.detail, c.message) + (c.status === 200 ? droppedNote(metadata) : '');
  const entry: DeliveryJobResult = { statusCode: c.status, metadata, error };
  if (entry.statusCode >= 500 || entry.statusCode === 429) {
    if (user) held.add(user);
    if (verdict.unattributed) entry.metadata = spreadWith(metadata, 'dontBatch', true);
  }
  return { entry, c };
}

/** A refusal of a whole collections request that carried several jobs, which one record can cause (4xx). */
function isolates(c: Classification, jobs: Metadata[]): boolean {
  const collections = jobs.some((m) => (destInfoOf(m).records ?? []).length > 0);
  return c.outcome === 'aborted' && collections && jobs.length > 1;
}

/** Every job retried on its own (`dontBatch`), so only the one at fault ends aborted. */
function isolated(
  c: Classification,
  jobs: Metadata[],
  destType: string,
  destinationResponse: ProcessedResponse,
): DeliveryV1Result {
  const retry = isolateRefusal(c);
  const error = errorText(destinationResponse.response, retry.message);
  return {
    status: 200,
    message: `Request for destination: ${destType} refused whole; its ${jobs.length} jobs are retried one by one`,
    destinationResponse,
    response: jobs.map((metadata) => ({
      statusCode: retry.status,
      metadata: spreadWith(metadata, 'dontBatch', true),
      error,
      statTags: jobTags(retry, destType, metadata),
    })),
  };
}

export interface V1Handler extends ProxySide {
  responseHandler(input: ResponseHandlerInput): DeliveryV1Result;
}

export function createV1Handler(runtime: SalesforceRuntime): V1Handler {
  const responseHandler = (input: ResponseHandlerInput): DeliveryV1Result => {
    const { destinationResponse, destType } = input;
    const meta = input.rudderJobMetadata;
    const jobs: Metadata[] = Array.isArray(meta) ? meta : meta ? [meta] : [];
    const whole = classifyAnswer(destinationResponse, destType, jobs[0]);
    observeDelivery(runtime, destinationResponse, jobs[0], whole.classification);
    if (whole.classification.outcome !== 'success') {
      if (isolates(whole.classification, jobs))
        return isolated(whole.classification, jobs, destType, destinationResponse);
      throw runtime.forHost(toContractError(whole.classification, destinationResponse, whole.owner));
    }
    const answer: Answer = {
      response: destinationResponse,
      subs: collectionResults(destinationResponse.response),
      jobsPerSub: jobsPerSubrequest(jobs),
      held: new Set(),
    };
    const response = jobs.map((metadata) => {
      const { entry, c } = jobEntry(metadata, answer);
      if (c && entry.statusCode !== 200) entry.statTags = jobTags(c, destType, metadata);
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
  };
  return { ...proxySide(runtime), responseHandler };
}

/** The v1 network handler rudder-transformer instantiates with `new`, on the default runtime (or the one given). */
export const NetworkHandler = handlerClass(createV1Handler);
export const networkHandler = NetworkHandler;

/** For a host that loads the built destination with its own axios and integrations library (rudder-transformer). */
export function bindHost(hostRequire: HostRequire) {
  bindHostRuntime(hostRequire);
  return { networkHandler, NetworkHandler };
}
