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

function matchesAll(record: SObjectRecord, fields: MatchField[]): boolean {
  for (const m of fields) if (!sameValue(record, m)) return false;
  return true;
}

/** Lookup results, indexed by object, field and normalised value; a failed query keeps its error per value. */
export class LookupResults {
  /** Records by `object|field|` (names lower-cased), then by normalised value. */
  private readonly found = new Map<string, Map<string, SObjectRecord[]>>();
  private readonly failed = new Map<string, Map<string, unknown>>();
  /** Key prefixes (`lead|email|`) by object and field as written: a batch lower-cases each name once. */
  private readonly prefixes = new Map<string, Map<string, string>>();

  private prefix(object: string, field: string): string {
    let byField = this.prefixes.get(object);
    if (!byField) this.prefixes.set(object, (byField = new Map()));
    let prefix = byField.get(field);
    if (prefix === undefined)
      byField.set(field, (prefix = `${object.toLowerCase()}|${field.toLowerCase()}|`));
    return prefix;
  }

  private static slot<T>(index: Map<string, Map<string, T>>, prefix: string): Map<string, T> {
    let byValue = index.get(prefix);
    if (!byValue) index.set(prefix, (byValue = new Map()));
    return byValue;
  }

  /** Index a record found by a query on `fields`. */
  add(object: string, fields: readonly string[], record: SObjectRecord): void {
    for (const field of fields) {
      const value = valueOf(record, field);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      const byValue = LookupResults.slot(this.found, this.prefix(object, field));
      const norm = normValue(value);
      const list = byValue.get(norm);
      if (!list) byValue.set(norm, [record]);
      else if (!list.some((r) => r.Id === record.Id)) list.push(record);
    }
  }

  fail(object: string, fields: MatchField[], error: unknown): void {
    for (const { field, value } of fields)
      LookupResults.slot(this.failed, this.prefix(object, field)).set(normValue(value), error);
  }

  private hits(object: string, { field, value }: MatchField): SObjectRecord[] {
    return this.found.get(this.prefix(object, field))?.get(normValue(value)) ?? [];
  }

  /** The records of `object` that match every field (`and`) or any (`or`); throws the error of a failed lookup. */
  get(object: string, fields: MatchField[], operator: 'and' | 'or' = 'and'): SObjectRecord[] {
    if (this.failed.size > 0) {
      for (const { field, value } of fields) {
        const error = this.failed.get(this.prefix(object, field))?.get(normValue(value));
        if (error !== undefined) throw error;
      }
    }
    if (operator === 'and') {
      const hits = this.hits(object, fields[0]);
      if (hits.length === 1) return matchesAll(hits[0], fields) ? [hits[0]] : [];
      const out: SObjectRecord[] = [];
      for (const r of hits) if (matchesAll(r, fields)) out.push(r);
      return out;
    }
    const byId = new Map<string, SObjectRecord>();
    for (const m of fields) for (const r of this.hits(object, m)) byId.set(r.Id, r);
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

/** The batch's lookups, grouped by object and match shape (names compared case-insensitively), in first-seen order. */
class WantedLookups {
  readonly groups = new Map<string, Wanted>();
  /** Groups by object and match shape as written (names not lower-cased): a batch repeats the same few. */
  private readonly byRawKey = new Map<string, Map<string, Wanted>>();

  add(object: string, fields: MatchField[], operator: 'and' | 'or', leadStatus: boolean): void {
    // One field needs no operator: every lookup of the object on that field shares a query.
    const op = fields.length === 1 ? 'and' : operator;
    const names = fields.length === 1 ? fields[0].field : fields.map((f) => f.field).join(',');
    const shape = fields.length === 1 ? names : `${names}|${op}`;
    let byShape = this.byRawKey.get(object);
    if (!byShape) this.byRawKey.set(object, (byShape = new Map()));
    let group = byShape.get(shape);
    if (!group) {
      const key = `${object.toLowerCase()}|${names.toLowerCase()}|${op}`;
      group = this.groups.get(key);
      if (!group) {
        const wanted = {
          object,
          fields: fields.map((f) => f.field),
          operator: op,
          tuples: new Map(),
          leadStatus,
        };
        this.groups.set(key, (group = wanted));
      }
      byShape.set(shape, group);
    }
    group.leadStatus ||= leadStatus;
    const tupleKey =
      fields.length === 1 ? normValue(fields[0].value) : fields.map((f) => normValue(f.value)).join('\u0000');
    if (!group.tuples.has(tupleKey))
      group.tuples.set(
        tupleKey,
        fields.map((f) => f.value),
      );
  }
}

/** Every lookup pending jobs need: their records, and the records their fields refer to. */
function wantedLookups(states: JobState[]): Wanted[] {
  const wanted = new WantedLookups();
  for (const state of states) {
    if (state.kind !== 'pending') continue;
    for (const { object, find, contactFields, references } of state.intents) {
      if (find.kind === 'match') wanted.add(object, find.fields, find.operator, Boolean(contactFields));
      for (const r of references ?? [])
        for (const c of r.candidates) wanted.add(c.object, c.fields, c.operator, false);
    }
  }
  return [...wanted.groups.values()];
}

function selectFields({ fields, leadStatus }: Wanted): string[] {
  const select = ['Id', ...fields.filter((f) => f !== 'Id')];
  return leadStatus ? [...select, ...LEAD_STATUS_FIELDS] : select;
}

/** The match fields of a tuple. */
const matchFieldsOf = (fields: string[], tuple: SoqlValue[]): MatchField[] =>
  tuple.map((value, k) => ({ field: fields[k], value }));

/** The group's tuples SOQL can take; a value it cannot (too long...) fails only the jobs that look it up. */
function writableTuples(wanted: Wanted, results: LookupResults): SoqlValue[][] {
  const { object, fields } = wanted;
  const out: SoqlValue[][] = [];
  for (const tuple of wanted.tuples.values()) {
    try {
      for (const value of tuple) literal(value);
      out.push(tuple);
    } catch (error) {
      results.fail(object, matchFieldsOf(fields, tuple), error);
    }
  }
  return out;
}

interface PlannedQuery {
  wanted: Wanted;
  request: QueryRequest;
  /** The value tuples the query covers, to fail them when it fails. */
  tuples: SoqlValue[][];
}

function plannedQueries(states: JobState[], results: LookupResults): PlannedQuery[] {
  const planned: PlannedQuery[] = [];
  for (const wanted of wantedLookups(states)) {
    const { object, fields, operator } = wanted;
    const suffix = wanted.leadStatus ? ':- during Lead Query' : ':- during record lookup';
    const tuples = writableTuples(wanted, results);
    if (tuples.length === 0) continue;
    const select = selectFields(wanted);
    for (const query of buildMatchQueries(object, select, fields, operator, tuples)) {
      planned.push({ wanted, request: { soql: query.soql, suffix }, tuples: query.tuples });
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
    const { wanted, tuples } = planned[i];
    if (outcome.status === 'fulfilled')
      outcome.value.forEach((r) => results.add(wanted.object, wanted.fields, r));
    else
      for (const tuple of tuples)
        results.fail(wanted.object, matchFieldsOf(wanted.fields, tuple), outcome.reason);
  });
  return results;
}
