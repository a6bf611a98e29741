/**
 * `processRouterDest`: the batched plan turned into router output elements (rudder-server.md section 5):
 * every input job in exactly one element, its metadata echoed unchanged (extra data only under `destInfo`),
 * one descriptor object per element where we choose, `dontBatch` jobs on their own.
 */
import { routerError, routerSuccess } from '../../../framework/descriptors';
import { emit } from '../../../framework/telemetry';
import type {
  Destination,
  Metadata,
  RequestDescriptor,
  RouterInput,
  RouterOutput,
} from '../../../framework/types';
import type { SalesforceClient } from './client';
import {
  MAX_COLLECTIONS_PER_COMPOSITE,
  MAX_RECORDS_PER_COLLECTION,
  MAX_TYPE_CHUNKS_PER_COLLECTION,
} from './config';
import {
  orderKey,
  planBatch,
  writeContext,
  type BatchPlan,
  type JobGroup,
  type JobOutcome,
  type PlannedWrite,
} from './plan';
import { collectionsRequest, recordRefs, recordRequest, toSubrequests, type RecordRef } from './requests';

/** Per-job data the v1 network handler reads back at delivery (carried in `metadata.destInfo`). */
export interface SalesforceDestInfo {
  authKey?: string;
  /** The user's order key: the proxy does not receive `metadata.userId` (rudder-server.md 2.2). */
  orderKey?: string;
  /** Where this job's records sit in a collections response. */
  records?: RecordRef[];
  /** Fields removed because the org lacks them (unknownFieldPolicy drop), reported with the delivery status. */
  droppedFields?: string[];
}

/** Config keys that hold secrets: never echoed back in outputs (rudder-server reads none of them after transform). */
export const SECRET_CONFIG_KEYS = ['password', 'initialAccessToken', 'clientSecret', 'privateKey'] as const;
const echoed = new WeakMap<Destination, Destination>();

/** The destination as echoed in outputs: everything rudder-server reads, without the secrets. */
export function echoDestination(destination: Destination): Destination {
  let copy = echoed.get(destination);
  if (!copy) {
    const config = { ...destination.Config };
    for (const key of SECRET_CONFIG_KEYS) delete config[key];
    copy = { ...destination, Config: config };
    echoed.set(destination, copy);
  }
  return copy;
}

function withDestInfo(metadata: Metadata | undefined, extra: SalesforceDestInfo): Metadata {
  const base = metadata ?? {};
  const previous =
    base.destInfo && typeof base.destInfo === 'object' ? (base.destInfo as Record<string, unknown>) : {};
  return { ...base, destInfo: { ...previous, ...extra } };
}

/** The job's metadata, unchanged unless fields were dropped (then reported under destInfo). */
function withDropped(metadata: Metadata | undefined, outcome: JobOutcome): Metadata {
  if (outcome.kind !== 'write' || outcome.dropped.length === 0) return metadata ?? {};
  return withDestInfo(metadata, { droppedFields: outcome.dropped });
}

function recordOutputs(plan: BatchPlan, inputs: RouterInput[], group: JobGroup): RouterOutput {
  const { destination } = plan;
  const { auth, config } = writeContext(plan);
  const requests = group.writes.map((w) => recordRequest(w, auth, config));
  const request: RequestDescriptor | RequestDescriptor[] = requests.length === 1 ? requests[0] : requests;
  const metadata = group.jobs.map((j) => withDropped(inputs[j].metadata, plan.outcomes[j]));
  return routerSuccess(request, metadata, echoDestination(destination), group.jobs.length > 1);
}

/** The collections subrequest a write lands in: creates, updates, or upserts of one object and field. */
function category(w: PlannedWrite): string {
  return w.upsert ? `upsert|${w.object}|${w.upsert.field}` : w.id ? 'update' : 'create';
}

/** Pack job groups into collections outputs of at most 5 subrequests (1,000 records) each, keeping event order. */
function packGroups(groups: JobGroup[]): JobGroup[][] {
  const packs: JobGroup[][] = [];
  let pack: JobGroup[] = [];
  let counts = new Map<string, number>();
  let types = new Set<string>();
  const subrequests = (c: Map<string, number>) =>
    [...c.values()].reduce((sum, n) => sum + Math.ceil(n / MAX_RECORDS_PER_COLLECTION), 0);
  for (const group of groups) {
    const next = new Map(counts);
    for (const w of group.writes) next.set(category(w), (next.get(category(w)) ?? 0) + 1);
    const nextTypes = new Set([...types, ...group.writes.filter((w) => !w.upsert).map((w) => w.object)]);
    if (
      pack.length &&
      (subrequests(next) > MAX_COLLECTIONS_PER_COMPOSITE || nextTypes.size > MAX_TYPE_CHUNKS_PER_COLLECTION)
    ) {
      packs.push(pack);
      pack = [];
      counts = new Map();
      types = new Set();
      for (const w of group.writes) counts.set(category(w), (counts.get(category(w)) ?? 0) + 1);
      group.writes.filter((w) => !w.upsert).forEach((w) => types.add(w.object));
    } else {
      counts = next;
      types = nextTypes;
    }
    pack.push(group);
  }
  if (pack.length) packs.push(pack);
  return packs;
}

function collectionsOutput(plan: BatchPlan, inputs: RouterInput[], pack: JobGroup[]): RouterOutput {
  const { destination } = plan;
  const { auth, config } = writeContext(plan);
  const writes = pack.flatMap((g) => g.writes);
  const subrequests = toSubrequests(writes);
  const refs = recordRefs(subrequests);
  const jobs = pack.flatMap((g) => g.jobs).sort((a, b) => a - b);
  const metadata = jobs.map((j) => {
    const outcome = plan.outcomes[j];
    const records = outcome.kind === 'write' ? outcome.writes.map((w) => refs.get(w) as RecordRef) : [];
    const info: SalesforceDestInfo = { authKey: destination.ID, orderKey: orderKey(inputs[j]), records };
    if (outcome.kind === 'write' && outcome.dropped.length) info.droppedFields = outcome.dropped;
    return withDestInfo(inputs[j].metadata, info);
  });
  return routerSuccess(
    collectionsRequest(subrequests, auth, config),
    metadata,
    echoDestination(destination),
    true,
  );
}

/** Outputs for one destination's inputs, in input order of each element's first job. */
async function routeDestination(inputs: RouterInput[], client: SalesforceClient): Promise<RouterOutput[]> {
  const plan = await planBatch(inputs, client);
  const outputs: { first: number; output: RouterOutput }[] = [];
  plan.outcomes.forEach((outcome, i) => {
    const input = inputs[i];
    if (outcome.kind === 'passthrough') {
      const request = input.message as unknown as RequestDescriptor;
      outputs.push({
        first: i,
        output: routerSuccess(request, [input.metadata ?? {}], echoDestination(input.destination)),
      });
    } else if (outcome.kind === 'error') {
      outputs.push({
        first: i,
        output: routerError(outcome.error, [input.metadata ?? {}], echoDestination(input.destination)),
      });
    }
  });
  const collections = plan.config?.writeMode === 'collections';
  const batchable: JobGroup[] = [];
  for (const group of plan.groups) {
    const alone = !collections || group.jobs.some((j) => inputs[j].metadata?.dontBatch === true);
    if (alone) outputs.push({ first: group.jobs[0], output: recordOutputs(plan, inputs, group) });
    else batchable.push(group);
  }
  for (const pack of packGroups(batchable)) {
    outputs.push({
      first: Math.min(...pack.map((g) => g.jobs[0])),
      output: collectionsOutput(plan, inputs, pack),
    });
  }
  emit('batch', { destinationId: plan.destination.ID, size: inputs.length, outputs: outputs.length });
  return outputs.sort((a, b) => a.first - b.first).map((o) => o.output);
}

/**
 * Router transform. Inputs are grouped by destination (a host may mix destinations in one call under workspace
 * isolation, rudder-server.md 1.1); each group is planned as one batch.
 */
export async function processRouterDest(
  inputs: RouterInput[],
  client: SalesforceClient,
): Promise<RouterOutput[]> {
  if (!Array.isArray(inputs) || inputs.length === 0) return [];
  const byDestination = new Map<string, RouterInput[]>();
  for (const input of inputs) {
    const id = input.destination.ID;
    const list = byDestination.get(id);
    if (list) list.push(input);
    else byDestination.set(id, [input]);
  }
  const results = await Promise.all(
    [...byDestination.values()].map((group) => routeDestination(group, client)),
  );
  return results.flat();
}

/** Adds `destInfo.authKey` (the destination id) to every job, as the reference does (spec A.2.4). */
export function processMetadataForRouter(output: {
  metadata: Metadata[];
  destination?: { ID: string };
}): Metadata[] {
  const authKey = output.destination?.ID;
  // Metadata the router already tagged (collections mode) is returned as it is; the rest gets a tagged copy.
  const tagged = (m: Metadata) =>
    authKey !== undefined && (m.destInfo as SalesforceDestInfo | undefined)?.authKey === authKey;
  return output.metadata.map((m) => (tagged(m) ? m : withDestInfo(m, { authKey })));
}
