/**
 * Phase 5, merge, in event order: a user's later events are held back after one of theirs failed retryably (they
 * must not overtake it, rudder-server.md 1.7); each record's fields are checked against its object's describe
 * (reject or drop); records that are the same record (same merge key) become one write, later values winning field
 * by field, carrying every job merged into it.
 */
import { toErrorObject } from '../../../../framework/errors';
import type { RouterInput } from '../../../../framework/types';
import type { SalesforceConfig } from '../config';
import { heldBack, orderKey } from '../destInfo';
import { checkFields, type WriteKind } from '../fieldCheck';
import { checkValues } from '../fieldValues';
import { descriptionOf, type Descriptions } from './describe';
import { settled, type FinalState, type JobState, type PlannedWrite, type ResolvedWrite } from './state';

function isRetryable(error: unknown): boolean {
  const { status } = toErrorObject(error, {}, false);
  return status >= 500 || status === 429;
}

const writeKind = (r: ResolvedWrite): WriteKind => (r.upsert ? 'upsert' : r.id ? 'update' : 'create');

/**
 * The records' fields checked against describe (names, then values against their types); the names of dropped fields
 * (`Object.Field`) collected.
 */
function checked(
  writes: ResolvedWrite[],
  descriptions: Descriptions,
  config: SalesforceConfig,
): { writes: ResolvedWrite[]; dropped: string[] } {
  const dropped: string[] = [];
  const out = writes.map((r) => {
    const description = descriptionOf(descriptions, r.object);
    if (!description) return r;
    const result = checkFields(r.object, r.fields, description, writeKind(r), config.unknownFieldPolicy);
    dropped.push(...result.dropped.map((f) => `${r.object}.${f}`));
    const fields = checkValues(r.object, result.fields, description);
    const createDefaults = checkValues(r.object, result.createDefaults, description);
    return { ...r, fields: { fields, createDefaults } };
  });
  return { writes: out, dropped };
}

/** The writes of the batch, by merge key, in the order they were first met. */
class Writes {
  readonly all: PlannedWrite[] = [];
  private readonly byKey = new Map<string, PlannedWrite>();

  /** Add job `job`'s record: a new write, or merged into the write of the same record. */
  add(r: ResolvedWrite, job: number): PlannedWrite {
    let write = r.key ? this.byKey.get(r.key) : undefined;
    if (!write) {
      // The first event's field objects are this plan's own (built for it): the write adopts them.
      const { fields, createDefaults } = r.fields;
      write = { key: r.key, object: r.object, id: r.id, fields, createDefaults, jobs: [job] };
      if (r.upsert) write.upsert = r.upsert;
      if (r.key) this.byKey.set(r.key, write);
      this.all.push(write);
    } else {
      // Later events win, field by field.
      Object.assign(write.createDefaults, r.fields.createDefaults);
      Object.assign(write.fields, r.fields.fields);
      if (write.jobs[write.jobs.length - 1] !== job) write.jobs.push(job);
    }
    return write;
  }
}

export function merge(
  inputs: RouterInput[],
  states: JobState[],
  descriptions: Descriptions,
  config: SalesforceConfig,
): { states: FinalState[]; writes: PlannedWrite[] } {
  const writes = new Writes();
  const blocked = new Set<string>();
  const out = states.map((state, i): FinalState => {
    const user = orderKey(inputs[i]);
    if (state.kind !== 'resolved') {
      if (state.kind === 'error' && isRetryable(state.error)) blocked.add(user);
      return settled(state);
    }
    if (blocked.has(user)) return { kind: 'error', error: heldBack('batch') };
    try {
      const job = checked(state.writes, descriptions, config);
      const planned: PlannedWrite[] = [];
      for (const r of job.writes) {
        const write = writes.add(r, i);
        if (!planned.includes(write)) planned.push(write);
      }
      return { kind: 'write', writes: planned, dropped: job.dropped };
    } catch (error) {
      if (isRetryable(error)) blocked.add(user);
      return { kind: 'error', error };
    }
  });
  return { states: out, writes: writes.all };
}
