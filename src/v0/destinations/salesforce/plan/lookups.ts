/**
 * Phase 4a, lookups: every record the batch must find — the records intents write and the records their fields refer
 * to — in one SOQL query per object and match shape (fields and operator), values escaped and chunked under the URI
 * limit; the queries go together (Composite requests of five through the HTTP client: one API call for a typical
 * batch's lookups). SOQL, never search: search lags minutes behind writes and creates duplicates. Values
 * compare as Salesforce compares text: case-insensitively.
 */
import {
  settleQueries,
  type QueryRequest,
  type SalesforceClient,
  type SessionContext,
  type SObjectRecord,
} from '../client';
import { buildMatchQueries, literal, type SoqlValue } from '../soql';
import type { JobState, MatchField } from './state';

/** A Lead lookup also reads whether the Lead was converted, and into which Contact. */
const LEAD_STATUS_FIELDS = ['IsConverted', 'ConvertedContactId', 'IsDeleted'] as const;

export const normValue = (value: SoqlValue): string => String(value).toLowerCase();

/** A record's value of `field`, whatever the letter case Salesforce answered it in (names are case-insensitive). */
function valueOf(record: SObjectRecord, field: string): unknown {
  if (field in record) return record[field];
  const wanted = field.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : record[key];
}

const sameValue = (record: SObjectRecord, { field, value }: MatchField) =>
  normValue(String(valueOf(record, field))) === normValue(value);

/** Lookup results, indexed by object, field and normalised value; a failed query keeps its error per value. */
export class LookupResults {
  private readonly found = new Map<string, SObjectRecord[]>();
  private readonly failed = new Map<string, unknown>();

  private static key(object: string, field: string, value: SoqlValue): string {
    return `${object.toLowerCase()}|${field.toLowerCase()}|${normValue(value)}`;
  }

  /** Index a record found by a query on `fields`. */
  add(object: string, fields: readonly string[], record: SObjectRecord): void {
    for (const field of fields) {
      const value = valueOf(record, field);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      const key = LookupResults.key(object, field, value);
      const list = this.found.get(key);
      if (!list) this.found.set(key, [record]);
      else if (!list.some((r) => r.Id === record.Id)) list.push(record);
    }
  }

  fail(object: string, fields: MatchField[], error: unknown): void {
    for (const { field, value } of fields) this.failed.set(LookupResults.key(object, field, value), error);
  }

  /** The records of `object` that match every field (`and`) or any (`or`); throws the error of a failed lookup. */
  get(object: string, fields: MatchField[], operator: 'and' | 'or' = 'and'): SObjectRecord[] {
    for (const { field, value } of fields) {
      const error = this.failed.get(LookupResults.key(object, field, value));
      if (error !== undefined) throw error;
    }
    const hits = (m: MatchField) => this.found.get(LookupResults.key(object, m.field, m.value)) ?? [];
    if (operator === 'and') return hits(fields[0]).filter((r) => fields.every((m) => sameValue(r, m)));
    const byId = new Map<string, SObjectRecord>();
    for (const m of fields) for (const r of hits(m)) byId.set(r.Id, r);
    return [...byId.values()];
  }
}

/** The records to find of one object and match shape, and the value tuples to find them by. */
interface Wanted {
  object: string;
  fields: string[];
  operator: 'and' | 'or';
  tuples: Map<string, SoqlValue[]>;
  /** A Lead lookup whose intents handle conversion reads the conversion fields. */
  leadStatus: boolean;
}

interface Lookup {
  object: string;
  fields: MatchField[];
  operator: 'and' | 'or';
  leadStatus: boolean;
}

/** Every lookup pending jobs need: their records, and the records their fields refer to. */
function lookupsOf(state: JobState): Lookup[] {
  if (state.kind !== 'pending') return [];
  return state.intents.flatMap(({ object, find, contactFields, references }) => [
    ...(find.kind === 'match'
      ? [{ object, fields: find.fields, operator: find.operator, leadStatus: Boolean(contactFields) }]
      : []),
    ...(references ?? []).flatMap((r) => r.candidates.map((c) => ({ ...c, leadStatus: false }))),
  ]);
}

function wantedLookups(states: JobState[]): Wanted[] {
  const wanted = new Map<string, Wanted>();
  for (const { object, fields, operator, leadStatus } of states.flatMap(lookupsOf)) {
    const names = fields.map((f) => f.field);
    // One field needs no operator: every lookup of the object on that field shares a query.
    const op = names.length === 1 ? 'and' : operator;
    const key = `${object.toLowerCase()}|${names.join(',').toLowerCase()}|${op}`;
    let group = wanted.get(key);
    if (!group)
      wanted.set(key, (group = { object, fields: names, operator: op, tuples: new Map(), leadStatus }));
    group.leadStatus ||= leadStatus;
    const values = fields.map((f) => f.value);
    const tupleKey = values.map(normValue).join('\u0000');
    if (!group.tuples.has(tupleKey)) group.tuples.set(tupleKey, values);
  }
  return [...wanted.values()];
}

function selectFields({ fields, leadStatus }: Wanted): string[] {
  const select = ['Id', ...fields.filter((f) => f !== 'Id')];
  return leadStatus ? [...select, ...LEAD_STATUS_FIELDS] : select;
}

/** The group's tuples SOQL can take; a value it cannot (too long...) fails only the jobs that look it up. */
function writableTuples(wanted: Wanted, results: LookupResults): SoqlValue[][] {
  const { object, fields } = wanted;
  return [...wanted.tuples.values()].filter((tuple) => {
    try {
      tuple.forEach((value) => literal(value));
      return true;
    } catch (error) {
      results.fail(
        object,
        tuple.map((value, i) => ({ field: fields[i], value })),
        error,
      );
      return false;
    }
  });
}

interface PlannedQuery {
  wanted: Wanted;
  request: QueryRequest;
  /** The match values the query covers, to fail them when it fails. */
  covered: MatchField[][];
}

function plannedQueries(states: JobState[], results: LookupResults): PlannedQuery[] {
  const planned: PlannedQuery[] = [];
  for (const wanted of wantedLookups(states)) {
    const { object, fields, operator } = wanted;
    const suffix = wanted.leadStatus ? ':- during Lead Query' : ':- during record lookup';
    const tuples = writableTuples(wanted, results);
    if (tuples.length === 0) continue;
    for (const query of buildMatchQueries(object, selectFields(wanted), fields, operator, tuples)) {
      const covered = query.tuples.map((t) => t.map((value, i) => ({ field: fields[i], value })));
      planned.push({ wanted, request: { soql: query.soql, suffix }, covered });
    }
  }
  return planned;
}

export async function runLookups(
  client: SalesforceClient,
  ctx: SessionContext,
  states: JobState[],
): Promise<LookupResults> {
  const results = new LookupResults();
  const planned = plannedQueries(states, results);
  if (planned.length === 0) return results;
  const settled = await settleQueries(
    client,
    ctx,
    planned.map((p) => p.request),
  );
  settled.forEach((outcome, i) => {
    const { wanted, covered } = planned[i];
    if (outcome.status === 'fulfilled')
      outcome.value.forEach((r) => results.add(wanted.object, wanted.fields, r));
    else covered.forEach((matchFields) => results.fail(wanted.object, matchFields, outcome.reason));
  });
  return results;
}
