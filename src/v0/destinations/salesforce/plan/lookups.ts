/**
 * Phase 4a, lookups: every record the batch must find, in one SOQL query per object and match field (values
 * escaped, chunked under the URI limit), run concurrently. SOQL, never search: search lags minutes behind writes and
 * creates duplicates. Values compare as Salesforce compares them: case-insensitively.
 */
import type { SalesforceClient, SessionContext, SObjectRecord } from '../client';
import { buildLookupQueries, type SoqlValue } from '../soql';
import type { JobState, MatchField } from './state';

/** A Lead lookup also reads whether the Lead was converted, and into which Contact. */
const LEAD_STATUS_FIELDS = ['IsConverted', 'ConvertedContactId', 'IsDeleted'] as const;

export const normValue = (value: SoqlValue): string => String(value).toLowerCase();

/** The key of `record` that is `field` compared case-insensitively (field names are, in Salesforce). */
function valueOf(record: SObjectRecord, field: string): unknown {
  if (field in record) return record[field];
  const wanted = field.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : record[key];
}

/** Lookup results, keyed by object, field and normalised value; a failed query keeps its error per value. */
export class LookupResults {
  private readonly found = new Map<string, SObjectRecord[]>();
  private readonly failed = new Map<string, unknown>();

  private static key(object: string, field: string, value: SoqlValue): string {
    return `${object.toLowerCase()}|${field.toLowerCase()}|${normValue(value)}`;
  }

  /** Salesforce answers with each field's own spelling, whatever the case the lookup was written in. */
  add(object: string, field: string, record: SObjectRecord): void {
    const value = valueOf(record, field);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return;
    const key = LookupResults.key(object, field, value);
    const list = this.found.get(key);
    if (list) list.push(record);
    else this.found.set(key, [record]);
  }

  fail(object: string, field: string, value: SoqlValue, error: unknown): void {
    this.failed.set(LookupResults.key(object, field, value), error);
  }

  /** The records of `object` that match every field; throws the error of a failed lookup. */
  get(object: string, fields: MatchField[]): SObjectRecord[] {
    for (const { field, value } of fields) {
      const error = this.failed.get(LookupResults.key(object, field, value));
      if (error !== undefined) throw error;
    }
    const [first, ...rest] = fields;
    const candidates = this.found.get(LookupResults.key(object, first.field, first.value)) ?? [];
    return candidates.filter((r) =>
      rest.every(({ field, value }) => normValue(String(valueOf(r, field))) === normValue(value)),
    );
  }
}

interface Wanted {
  object: string;
  field: string;
  values: Map<string, SoqlValue>;
  /** A Lead lookup whose intents handle conversion reads the conversion fields. */
  leadStatus: boolean;
}

/** The distinct values to look up, per object and field. */
function wantedLookups(states: JobState[]): Wanted[] {
  const wanted = new Map<string, Wanted>();
  for (const state of states) {
    if (state.kind !== 'pending') continue;
    for (const { object, find, contactFields } of state.intents) {
      if (find.kind !== 'match') continue;
      for (const { field, value } of find.fields) {
        const key = `${object.toLowerCase()}|${field.toLowerCase()}`;
        let group = wanted.get(key);
        if (!group) wanted.set(key, (group = { object, field, values: new Map(), leadStatus: false }));
        if (contactFields) group.leadStatus = true;
        if (!group.values.has(normValue(value))) group.values.set(normValue(value), value);
      }
    }
  }
  return [...wanted.values()];
}

function selectFields({ field, leadStatus }: Wanted): string[] {
  const fields = field === 'Id' ? ['Id'] : ['Id', field];
  return leadStatus ? [...fields, ...LEAD_STATUS_FIELDS] : fields;
}

export async function runLookups(
  client: SalesforceClient,
  ctx: SessionContext,
  states: JobState[],
): Promise<LookupResults> {
  const results = new LookupResults();
  const queries: Promise<void>[] = [];
  for (const wanted of wantedLookups(states)) {
    const { object, field, values } = wanted;
    const suffix = wanted.leadStatus ? ':- during Lead Query' : ':- during record lookup';
    for (const { soql, values: chunk } of buildLookupQueries(object, selectFields(wanted), field, [
      ...values.values(),
    ])) {
      queries.push(
        client.query(ctx, soql, suffix).then(
          (records) => records.forEach((r) => results.add(object, field, r)),
          (error: unknown) => chunk.forEach((v) => results.fail(object, field, v, error)),
        ),
      );
    }
  }
  await Promise.all(queries);
  return results;
}
