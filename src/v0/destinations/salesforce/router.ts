/**
 * The batched plan turned into router output elements (rudder-server.md section 5): every input job in exactly one
 * element, its metadata echoed unchanged (extra data only under `destInfo`), one descriptor object per element where
 * we choose, `dontBatch` jobs on their own.
 */
import { routerError, routerHandled, routerSuccess } from '../../../framework/descriptors';
import { PlatformError } from '../../../framework/errors';
import { isObject } from '../../../framework/validate';
import type {
  Destination,
  Metadata,
  RequestDescriptor,
  RouterInput,
  RouterOutput,
} from '../../../framework/types';
import type { AuthInfo } from './auth';
import {
  MAX_COLLECTIONS_PER_COMPOSITE,
  MAX_RECORDS_PER_COLLECTION,
  MAX_TYPE_CHUNKS_PER_COLLECTION,
  SECRET_CONFIG_KEYS,
  type SalesforceConfig,
} from './config';
import { withDestInfo, withOwnDestInfo, type RecordRef, type SalesforceDestInfo } from './destInfo';
import { planBatch } from './plan';
import type { BatchPlan, FinalState, JobGroup, PlannedWrite } from './plan/state';
import { collectionsRequest, familyOf, recordRefs, toSubrequests, waveOf } from './requests/collections';
import { recordRequest, requestBase, type RequestBase } from './requests/record';
import type { SalesforceRuntime } from './runtime';

const echoed = new WeakMap<Destination, Destination>();

/** The destination as echoed in outputs: everything rudder-server reads, without the secrets. */
function echoDestination(destination: Destination): Destination {
  let copy = echoed.get(destination);
  if (!copy) {
    const config = { ...destination.Config };
    for (const key of SECRET_CONFIG_KEYS) delete config[key];
    copy = { ...destination, Config: config };
    echoed.set(destination, copy);
  }
  return copy;
}

/** What the writes of a planned batch are built with. */
interface WriteContext {
  inputs: RouterInput[];
  states: FinalState[];
  destination: Destination;
  auth: AuthInfo;
  config: SalesforceConfig;
  /** The jobs' user order keys. */
  users: string[];
  /** What the batch's single-record requests share. */
  shared: RequestBase;
}

/** The job's metadata, unchanged unless fields were dropped (then reported under destInfo). */
function withDropped(metadata: Metadata | undefined, state: FinalState): Metadata {
  if (state.kind !== 'write' || state.dropped.length === 0) return metadata ?? {};
  return withDestInfo(metadata, { droppedFields: state.dropped });
}

function recordOutput(ctx: WriteContext, group: JobGroup): RouterOutput {
  const { writes } = group;
  const request: RequestDescriptor | RequestDescriptor[] =
    writes.length === 1
      ? recordRequest(writes[0], ctx.auth, ctx.config, ctx.shared)
      : writes.map((w) => recordRequest(w, ctx.auth, ctx.config, ctx.shared));
  const metadata = group.jobs.map((j) => withDropped(ctx.inputs[j].metadata, ctx.states[j]));
  return routerSuccess(request, metadata, echoDestination(ctx.destination), group.jobs.length > 1);
}

/** What a pack of groups needs of one Composite request: subrequests and type chunks. */
class PackSize {
  private readonly counts = new Map<string, number>();
  private readonly types = new Set<string>();
  private readonly waves = new Map<PlannedWrite, number>();

  add(group: JobGroup): void {
    for (const w of group.writes) {
      const family = familyOf(w, waveOf(w, this.waves));
      this.counts.set(family, (this.counts.get(family) ?? 0) + 1);
      if (!w.upsert) this.types.add(w.object);
    }
  }

  fits(): boolean {
    let subrequests = 0;
    for (const n of this.counts.values()) subrequests += Math.ceil(n / MAX_RECORDS_PER_COLLECTION);
    return subrequests <= MAX_COLLECTIONS_PER_COMPOSITE && this.types.size <= MAX_TYPE_CHUNKS_PER_COLLECTION;
  }

  static of(groups: JobGroup[]): PackSize {
    const size = new PackSize();
    groups.forEach((g) => size.add(g));
    return size;
  }
}

/**
 * Pack job groups into collections outputs of at most 5 subrequests (1,000 records) each, keeping event order. A
 * group too big for one Composite request on its own (one event writing 11 object types...) is left out, for a
 * record-mode output.
 */
function packGroups(groups: JobGroup[]): { packs: JobGroup[][]; alone: JobGroup[] } {
  const packs: JobGroup[][] = [];
  const alone: JobGroup[] = [];
  let pack: JobGroup[] = [];
  let size = new PackSize();
  for (const group of groups) {
    // One record always fits (one subrequest, one type): most groups need no sizing of their own.
    if (group.writes.length > 1 && !PackSize.of([group]).fits()) {
      alone.push(group);
      continue;
    }
    size.add(group);
    if (pack.length && !size.fits()) {
      packs.push(pack);
      pack = [];
      size = PackSize.of([group]);
    }
    pack.push(group);
  }
  if (pack.length) packs.push(pack);
  return { packs, alone };
}

function collectionsOutput(ctx: WriteContext, pack: JobGroup[]): RouterOutput {
  const subrequests = toSubrequests(pack.flatMap((g) => g.writes));
  const refs = recordRefs(subrequests);
  const jobs = pack.flatMap((g) => g.jobs).sort((a, b) => a - b);
  const metadata = jobs.map((j) => {
    const state = ctx.states[j];
    const writes = state.kind === 'write' ? state.writes : [];
    const info: SalesforceDestInfo = {
      authKey: ctx.destination.ID,
      orderKey: ctx.users[j],
      records: writes.map((w) => refs.get(w) as RecordRef),
    };
    if (state.kind === 'write' && state.dropped.length) info.droppedFields = state.dropped;
    return withOwnDestInfo(ctx.inputs[j].metadata, info);
  });
  const request = collectionsRequest(subrequests, ctx.auth, ctx.config, refs);
  return routerSuccess(request, metadata, echoDestination(ctx.destination), true);
}

interface Placed {
  /** The element's first job, for event order. */
  first: number;
  output: RouterOutput;
}

/** One element per job that has no write: a passthrough, its error, or nothing to do. */
function settledOutputs(inputs: RouterInput[], states: FinalState[]): Placed[] {
  const out: Placed[] = [];
  states.forEach((state, i) => {
    const { message, metadata, destination } = inputs[i];
    if (state.kind === 'passthrough') {
      const request = message as unknown as RequestDescriptor; // an already-transformed input is a descriptor
      out.push({ first: i, output: routerSuccess(request, [metadata ?? {}], echoDestination(destination)) });
    } else if (state.kind === 'error') {
      out.push({
        first: i,
        output: routerError(state.error, [state.echo ?? metadata ?? {}], echoDestination(destination)),
      });
    } else if (state.kind === 'done') {
      out.push({
        first: i,
        output: routerHandled(state.note, [metadata ?? {}], echoDestination(destination)),
      });
    }
  });
  return out;
}

/** Whether a job of the group asks to be written on its own. */
function hasDontBatch(ctx: WriteContext, group: JobGroup): boolean {
  for (const j of group.jobs) if (ctx.inputs[j].metadata?.dontBatch === true) return true;
  return false;
}

/** The write elements of a planned batch: single-record requests, or collections packs. */
function writeOutputs(ctx: WriteContext, groups: JobGroup[]): Placed[] {
  const out: Placed[] = [];
  const collections = ctx.config.writeMode === 'collections';
  const batchable: JobGroup[] = [];
  for (const group of groups) {
    const alone = !collections || hasDontBatch(ctx, group);
    if (alone) out.push({ first: group.jobs[0], output: recordOutput(ctx, group) });
    else batchable.push(group);
  }
  const { packs, alone } = packGroups(batchable);
  for (const group of alone) out.push({ first: group.jobs[0], output: recordOutput(ctx, group) });
  for (const pack of packs) {
    out.push({ first: Math.min(...pack.map((g) => g.jobs[0])), output: collectionsOutput(ctx, pack) });
  }
  return out;
}

/** The elements of one planned batch, in event order of each element's first job. */
function planOutputs(inputs: RouterInput[], plan: BatchPlan): RouterOutput[] {
  const placed = settledOutputs(inputs, plan.states);
  if (plan.kind === 'planned') {
    const { destination, session: auth, config, states, users } = plan;
    const shared = requestBase(auth, config);
    placed.push(...writeOutputs({ inputs, states, destination, auth, config, users, shared }, plan.groups));
  }
  return placed.sort((a, b) => a.first - b.first).map((p) => p.output);
}

/** Why a router input cannot be planned at all (not an object, no message, no destination with an ID). */
function malformed(input: unknown, index: number): string | undefined {
  if (!isObject(input)) return `input[${index}] must be an object with message and destination`;
  if (!isObject(input.message)) return `input[${index}].message must be an object (the event)`;
  const { destination } = input;
  if (!isObject(destination) || typeof destination.ID !== 'string' || !isObject(destination.Config)) {
    return `input[${index}].destination must be an object with an ID and a Config`;
  }
  return undefined;
}

/**
 * Router transform. Inputs are grouped by destination (a host may mix destinations in one call under workspace
 * isolation, rudder-server.md 1.1); each group is planned as one batch. An input that is not even shaped like one
 * gets its own error element.
 */
export async function routeBatches(inputs: unknown[], runtime: SalesforceRuntime): Promise<RouterOutput[]> {
  const outputs: RouterOutput[] = [];
  const byDestination = new Map<string, RouterInput[]>();
  inputs.forEach((input, index) => {
    const problem = malformed(input, index);
    if (problem) {
      const metadata = isObject(input) && isObject(input.metadata) ? (input.metadata as Metadata) : {};
      outputs.push(routerError(new PlatformError(`Invalid router input: ${problem}`), [metadata]));
      return;
    }
    const valid = input as RouterInput;
    const list = byDestination.get(valid.destination.ID);
    if (list) list.push(valid);
    else byDestination.set(valid.destination.ID, [valid]);
  });
  const results = await Promise.all(
    [...byDestination.values()].map(async (batch) => {
      const planned = planOutputs(batch, await planBatch(batch, runtime));
      const { ID } = batch[0].destination;
      runtime.telemetry.emit('batch', { destinationId: ID, size: batch.length, outputs: planned.length });
      return planned;
    }),
  );
  return [...outputs, ...results.flat()];
}

/** Adds `destInfo.authKey` (the destination id) to every job, as the reference does (rudder-contract.md A.2.4). */
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
