/**
 * The plan's vocabulary: what an event asks (intents), the per-job state the phases pass along, the writes they
 * plan, and the plan itself. A job starts `pending` and every phase either moves it on or settles it (`error`,
 * `write`); `pending` cannot leave the plan, since a plan's states are {@link FinalState}s.
 */
import type { Destination, Metadata } from '../../../../framework/types';
import type { AuthInfo } from '../auth';
import type { SalesforceConfig } from '../config';
import type { RecordFields } from '../payload';
import type { SoqlValue } from '../soql';

/** What an intent does to its record. */
export type Operation = 'create' | 'update' | 'upsert' | 'delete';

/** One field a lookup matches on, and the value the event gives it. */
export interface MatchField {
  field: string;
  value: SoqlValue;
}

/** How messages name what was looked up: `Email 'a@b.com'`, several fields joined by their operator. */
export const describeMatch = (fields: MatchField[], operator: 'and' | 'or'): string =>
  fields.map(({ field, value }) => `${field} '${String(value)}'`).join(` ${operator} `);

/** How an intent finds its record. */
export type Finder =
  /** Nothing to find: a new record. */
  | { kind: 'new' }
  /** The record's id is known. */
  | { kind: 'id'; id: string }
  /** A SOQL lookup, shared by the whole batch: every field must match (`and`), or any (`or`). */
  | { kind: 'match'; fields: MatchField[]; operator: 'and' | 'or' }
  /** Salesforce's native upsert by an External ID field: no lookup at all. */
  | { kind: 'externalId'; field: string; value: SoqlValue };

/** Where to look for a record another record refers to: objects tried in order. */
export interface ReferenceLookup {
  object: string;
  fields: MatchField[];
  operator: 'and' | 'or';
}

/** A field whose value is the id of another record (a Task's WhoId...), found by the batch's lookups. */
export interface Reference {
  destKey: string;
  candidates: ReferenceLookup[];
  /** Finding nothing is the job's 400; when false, the field is left out. */
  required: boolean;
}

/** One record an event asks to write. */
export interface Intent {
  object: string;
  operation: Operation;
  find: Finder;
  /** The fields, built for `object`. */
  fields: RecordFields;
  /**
   * For a Lead found by a lookup: the fields to write to its Contact when the Lead is converted and `useContactId`
   * is set (built only then).
   */
  contactFields?: () => RecordFields;
  /** How several matches are reported: the reference's wording for a Lead by email. */
  multipleMessage: string;
  /** Several matches: an error (default), the first one, or all of them. */
  ifMultiple?: 'error' | 'first' | 'all';
  /** Fields that refer to other records. */
  references?: Reference[];
  /** The rule the intent comes from, for messages (`eventMappings[0] ("companies")`). */
  origin?: string;
}

/** A reference to a record the same batch creates: its id is known only once Salesforce wrote it. */
export interface PendingReference {
  destKey: string;
  /** Merge keys of the writes that would create it (one per candidate object). */
  keys: string[];
  /** For messages: what was looked up. */
  described: string;
  origin?: string;
}

/** A reference resolved to a write of the same request (collections mode: a Composite reference). */
export interface Link {
  destKey: string;
  target: PlannedWrite;
}

/** One record to write, possibly carrying several merged events. */
export interface PlannedWrite {
  /** Merge key: writes with the same non-empty key are the same record. */
  key: string;
  object: string;
  /** Absent: create (or native upsert). */
  id?: string;
  /** Delete the record (`id`): no fields are sent. */
  delete?: boolean;
  /** Fields whose value is the id of a record this request creates. */
  links?: Link[];
  /** Native upsert by an External ID field: no lookup, Salesforce creates or updates. */
  upsert?: { field: string; value: SoqlValue };
  fields: Record<string, unknown>;
  createDefaults: Record<string, unknown>;
  /** Indexes (into the batch) of the jobs whose data is in this write, in event order. */
  jobs: number[];
}

/** A record after its lookup: where it goes, ready for the field check and the merge. */
export interface ResolvedWrite {
  key: string;
  object: string;
  id?: string;
  upsert?: { field: string; value: SoqlValue };
  delete?: boolean;
  fields: RecordFields;
  /** References to records the batch found nowhere: maybe it creates them. */
  pending?: PendingReference[];
}

export type JobState =
  /** An input that was already transformed (`message.statusCode`): delivered as it is. */
  | { kind: 'passthrough' }
  /** `echo`: the metadata to echo instead of the job's own (which cannot be, when it is the problem). */
  | { kind: 'error'; error: unknown; echo?: Metadata }
  /** Still in the plan: what the event asks, then where its records are. */
  | { kind: 'pending'; intents: Intent[] }
  | { kind: 'resolved'; writes: ResolvedWrite[] }
  /** Planned: the writes carrying this job's data, and the fields dropped (unknownFieldPolicy drop). */
  | { kind: 'write'; writes: PlannedWrite[]; dropped: string[] }
  /** Nothing to write, and nothing wrong: a delete of a record already gone. */
  | { kind: 'done'; note: string };

export type FinalState = Extract<JobState, { kind: 'passthrough' | 'error' | 'write' | 'done' }>;
/** A final state without writes: every state of a failed plan (writes need a session and a config). */
export type UnwrittenState = Exclude<FinalState, { kind: 'write' }>;

/** A group of jobs that must travel together: they share at least one record. */
export interface JobGroup {
  jobs: number[];
  writes: PlannedWrite[];
}

export type BatchPlan =
  /** No write could be planned: the config is wrong, the session failed, or nothing was left to write. */
  | { kind: 'failed'; destination: Destination; states: UnwrittenState[] }
  | {
      kind: 'planned';
      destination: Destination;
      config: SalesforceConfig;
      /** The session the writes are built with. */
      session: AuthInfo;
      states: FinalState[];
      groups: JobGroup[];
      /** The jobs' user order keys (destInfo.ts), by job index. */
      users: string[];
    };

/** A state as it leaves the plan: a job still `pending` or `resolved` there is a bug, answered as one (a 500). */
export function settled(state: JobState): FinalState {
  if (state.kind === 'pending' || state.kind === 'resolved') {
    return { kind: 'error', error: new Error(`internal: a job left the plan ${state.kind}`) };
  }
  return state;
}

/** A state as it leaves a failed plan: a write there (no session to build it with) is a bug too, answered as one. */
export function unwritten(state: JobState): UnwrittenState {
  const final = settled(state);
  if (final.kind !== 'write') return final;
  return { kind: 'error', error: new Error('internal: a write in a plan that failed') };
}
