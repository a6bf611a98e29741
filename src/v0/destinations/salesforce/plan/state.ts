/**
 * The plan's vocabulary: what an event asks (intents), the per-job state the phases pass along, the writes they
 * plan, and the plan itself. A job starts `pending` and every phase either moves it on or settles it (`error`,
 * `write`); `pending` cannot leave the plan, since a plan's states are {@link FinalState}s.
 */
import type { Destination } from '../../../../framework/types';
import type { AuthInfo } from '../auth';
import type { SalesforceConfig } from '../config';
import type { RecordFields } from '../payload';
import type { SoqlValue } from '../soql';

/** What an intent does to its record. */
export type Operation = 'create' | 'update' | 'upsert';

/** One field a lookup matches on, and the value the event gives it. */
export interface MatchField {
  field: string;
  value: SoqlValue;
}

/** How an intent finds its record. */
export type Finder =
  /** Nothing to find: a new record. */
  | { kind: 'new' }
  /** The record's id is known. */
  | { kind: 'id'; id: string }
  /** A SOQL lookup, shared by the whole batch. */
  | { kind: 'match'; fields: MatchField[] }
  /** Salesforce's native upsert by an External ID field: no lookup at all. */
  | { kind: 'externalId'; field: string; value: SoqlValue };

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
}

/** One record to write, possibly carrying several merged events. */
export interface PlannedWrite {
  /** Merge key: writes with the same non-empty key are the same record. */
  key: string;
  object: string;
  /** Absent: create (or native upsert). */
  id?: string;
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
  fields: RecordFields;
}

export type JobState =
  /** An input that was already transformed (`message.statusCode`): delivered as it is. */
  | { kind: 'passthrough' }
  | { kind: 'error'; error: unknown }
  /** Still in the plan: what the event asks, then where its records are. */
  | { kind: 'pending'; intents: Intent[] }
  | { kind: 'resolved'; writes: ResolvedWrite[] }
  /** Planned: the writes carrying this job's data, and the fields dropped (unknownFieldPolicy drop). */
  | { kind: 'write'; writes: PlannedWrite[]; dropped: string[] };

export type FinalState = Extract<JobState, { kind: 'passthrough' | 'error' | 'write' }>;

/** A group of jobs that must travel together: they share at least one record. */
export interface JobGroup {
  jobs: number[];
  writes: PlannedWrite[];
}

export type BatchPlan =
  /** No write could be planned: the config is wrong, the session failed, or nothing was left to write. */
  | { kind: 'failed'; destination: Destination; states: FinalState[] }
  | {
      kind: 'planned';
      destination: Destination;
      config: SalesforceConfig;
      /** The session the writes are built with. */
      session: AuthInfo;
      states: FinalState[];
      groups: JobGroup[];
    };

/** A state as it leaves the plan: a job still `pending` or `resolved` there is a bug, answered as one (a 500). */
export function settled(state: JobState): FinalState {
  if (state.kind === 'pending' || state.kind === 'resolved') {
    return { kind: 'error', error: new Error(`internal: a job left the plan ${state.kind}`) };
  }
  return state;
}
