/**
 * Phase 5, merge, in event order: a user's later events are held back after one of theirs failed retryably (they
 * must not overtake it, rudder-server.md 1.7); each record's fields are checked against its object's describe
 * (names, then values against their types); records that are the same record (same merge key) become one write,
 * later values winning field by field, carrying every job merged into it. A field that refers to a record the batch
 * creates is linked to that write (collections mode: a Composite reference) or, one record per request, waits for
 * the next attempt; the jobs that need such links merge after the others, so the records they need are planned.
 */
import { NetworkInstrumentationError, RetryableError, toErrorObject } from '../../../../framework/errors';
import { spreadWith } from '../../../../framework/objects';
import type { RouterInput } from '../../../../framework/types';
import type { SalesforceConfig } from '../config';
import { heldBack, orderKey } from '../destInfo';
import { checkFields, type WriteKind } from '../fieldCheck';
import { checkValues } from '../fieldValues';
import { descriptionOf, type Descriptions } from './describe';
import {
  settled,
  type FinalState,
  type JobState,
  type Link,
  type PendingReference,
  type PlannedWrite,
  type ResolvedWrite,
} from './state';

function isRetryable(error: unknown): boolean {
  const { status } = toErrorObject(error, {}, false);
  return status >= 500 || status === 429;
}

const writeKind = (r: ResolvedWrite): WriteKind => (r.upsert ? 'upsert' : r.id ? 'update' : 'create');

/**
 * A record's fields checked against describe (names, then values); the names of dropped fields (`Object.Field`) are
 * added to `dropped`. The record as it is when nothing changes (the common case).
 */
function checkedWrite(
  r: ResolvedWrite,
  descriptions: Descriptions,
  config: SalesforceConfig,
  dropped: string[],
): ResolvedWrite {
  const description = r.delete ? undefined : descriptionOf(descriptions, r.object);
  if (!description) return r;
  const result = checkFields(r.object, r.fields, description, writeKind(r), config.unknownFieldPolicy);
  if (result) for (const f of result.dropped) dropped.push(`${r.object}.${f}`);
  const input = result ?? r.fields;
  const fields = checkValues(r.object, input.fields, description);
  const createDefaults = checkValues(r.object, input.createDefaults, description);
  if (fields === r.fields.fields && createDefaults === r.fields.createDefaults) return r;
  return spreadWith(r, 'fields', { fields, createDefaults });
}

/** The records' fields checked against describe; the names of dropped fields (`Object.Field`) collected. */
function checked(
  writes: ResolvedWrite[],
  descriptions: Descriptions,
  config: SalesforceConfig,
): { writes: ResolvedWrite[]; dropped: string[] } {
  const dropped: string[] = [];
  const out = writes.map((r) => checkedWrite(r, descriptions, config, dropped));
  return { writes: out, dropped };
}

/** The writes of the batch, by merge key, in the order they were first met. */
class Writes {
  readonly all: PlannedWrite[] = [];
  readonly byKey = new Map<string, PlannedWrite>();

  /** Add job `job`'s record: a new write, or merged into the write of the same record. */
  add(r: ResolvedWrite, job: number): PlannedWrite {
    const write = r.key ? this.byKey.get(r.key) : undefined;
    if (!write) return this.first(r, job);
    if (write.delete && !r.delete) {
      throw new NetworkInstrumentationError(
        `The ${r.object} ${r.id ?? ''} is deleted by an earlier event of this batch; this event's write is not sent`,
      );
    }
    if (r.delete) {
      write.delete = true;
      write.fields = {};
      write.createDefaults = {};
    } else {
      // Later events win, field by field.
      Object.assign(write.createDefaults, r.fields.createDefaults);
      Object.assign(write.fields, r.fields.fields);
    }
    if (write.jobs[write.jobs.length - 1] !== job) write.jobs.push(job);
    return write;
  }

  private first(r: ResolvedWrite, job: number): PlannedWrite {
    // The first event's field objects are this plan's own (built for it): the write adopts them.
    const { fields, createDefaults } = r.fields;
    const write: PlannedWrite = {
      key: r.key,
      object: r.object,
      id: r.id,
      fields,
      createDefaults,
      jobs: [job],
    };
    if (r.upsert) write.upsert = r.upsert;
    if (r.delete) write.delete = true;
    if (r.key) this.byKey.set(r.key, write);
    this.all.push(write);
    return write;
  }
}

/** Merge keys of the records the batch means to create, whether or not their jobs end up planned. */
function createdKeys(states: JobState[]): Set<string> {
  const keys = new Set<string>();
  for (const s of states)
    if (s.kind === 'resolved') for (const w of s.writes) if (w.key.startsWith('new|')) keys.add(w.key);
  return keys;
}

/** Whether the job's records refer to records found nowhere (maybe created by the batch). */
function hasPending(state: JobState): boolean {
  if (state.kind !== 'resolved') return false;
  for (const w of state.writes) if (w.pending?.length) return true;
  return false;
}

class MergeBatch {
  readonly writes = new Writes();
  private readonly blocked = new Set<string>();
  /** Merge keys of the records the batch means to create: listed when a reference first needs them. */
  private created?: Set<string>;

  constructor(
    /** The jobs' user order keys. */
    private readonly users: string[],
    private readonly descriptions: Descriptions,
    private readonly config: SalesforceConfig,
    private readonly states: JobState[],
  ) {}

  /** The write a pending reference resolves to; throws when it waits for the next attempt or finds nothing. */
  private target(ref: PendingReference): PlannedWrite {
    const write = ref.keys.map((k) => this.writes.byKey.get(k)).find((w) => w !== undefined);
    const where = `${ref.origin ? `${ref.origin}: ` : ''}reference ${ref.destKey}`;
    if (write && this.config.writeMode === 'collections') return write;
    if (write || ref.keys.some((k) => (this.created ??= createdKeys(this.states)).has(k))) {
      throw new RetryableError(
        `${where} waits for ${ref.described}, which this batch creates: the event is retried once it exists`,
      );
    }
    throw new NetworkInstrumentationError(`${where} found no ${ref.described}; nothing was written`);
  }

  private links(r: ResolvedWrite): Link[] | undefined {
    if (!r.pending?.length) return undefined;
    return r.pending.map((ref) => ({ destKey: ref.destKey, target: this.target(ref) }));
  }

  job(state: JobState, i: number): FinalState {
    const user = this.users[i];
    if (state.kind !== 'resolved') {
      if (state.kind === 'error' && isRetryable(state.error)) this.blocked.add(user);
      return settled(state);
    }
    if (this.blocked.has(user)) return { kind: 'error', error: heldBack('batch') };
    try {
      const job = checked(state.writes, this.descriptions, this.config);
      // Every link is found before any write is added: a job whose link fails adds nothing.
      const links = job.writes.some((r) => r.pending?.length)
        ? job.writes.map((r) => this.links(r))
        : undefined;
      let planned: PlannedWrite[] = [];
      job.writes.forEach((r, k) => {
        const write = this.writes.add(r, i);
        const linked = links?.[k];
        if (linked) write.links = [...(write.links ?? []), ...linked];
        if (planned.length === 0) planned = [write];
        else if (!planned.includes(write)) planned.push(write);
      });
      return { kind: 'write', writes: planned, dropped: job.dropped };
    } catch (error) {
      if (isRetryable(error)) this.blocked.add(user);
      return { kind: 'error', error };
    }
  }
}

export function merge(
  inputs: RouterInput[],
  states: JobState[],
  descriptions: Descriptions,
  config: SalesforceConfig,
): { states: FinalState[]; writes: PlannedWrite[]; users: string[] } {
  const users = inputs.map(orderKey);
  const batch = new MergeBatch(users, descriptions, config, states);
  const out: FinalState[] = new Array<FinalState>(states.length);
  // Jobs that refer to records the batch may create merge last (with their users' later jobs, kept in order).
  const deferredUsers = new Set<string>();
  const deferred: number[] = [];
  states.forEach((state, i) => {
    const user = users[i];
    if (state.kind === 'resolved' && (hasPending(state) || deferredUsers.has(user))) {
      deferredUsers.add(user);
      deferred.push(i);
    } else out[i] = batch.job(state, i);
  });
  for (const i of deferred) out[i] = batch.job(states[i], i);
  return { states: out, writes: batch.writes.all, users };
}
