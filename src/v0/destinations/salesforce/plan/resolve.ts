/**
 * Phase 4b, resolve: each pending job's intents become the records they write, from the batch's lookups. A record
 * found is updated (a converted Lead's Contact with `useContactId`), one not found is created, several are an error
 * naming the value. Each record gets the merge key that tells when two events hit the same record.
 */
import { NetworkInstrumentationError } from '../../../../framework/errors';
import type { SObjectRecord } from '../client';
import type { SalesforceConfig } from '../config';
import { normValue, type LookupResults } from './lookups';
import type { Intent, JobState, MatchField, ResolvedWrite } from './state';

const matchKey = (fields: MatchField[]) =>
  fields.map(({ field, value }) => `${field.toLowerCase()}|${normValue(value)}`).join('&');

/** A converted Lead's Contact (with `useContactId`), or an error saying why the Lead cannot be written. */
function leadTarget(lead: SObjectRecord, intent: Intent, config: SalesforceConfig): ResolvedWrite {
  const email = intent.find.kind === 'match' ? String(intent.find.fields[0].value) : '';
  if (lead.IsDeleted === true) {
    throw new NetworkInstrumentationError(
      lead.IsConverted ? 'The contact has been deleted' : 'The lead has been deleted.',
    );
  }
  if (lead.IsConverted !== true) {
    return { key: `id|lead|${lead.Id}`, object: 'Lead', id: lead.Id, fields: intent.fields };
  }
  if (!config.useContactId || !intent.contactFields) {
    throw new NetworkInstrumentationError(
      `The lead ${lead.Id} for '${email}' is converted and Salesforce refuses updates to converted leads; set useContactId in the destination config to update its contact instead`,
    );
  }
  const contactId = lead.ConvertedContactId;
  if (typeof contactId !== 'string' || !contactId) {
    throw new NetworkInstrumentationError('The lead is converted but the converted contact id not found');
  }
  return { key: `id|contact|${contactId}`, object: 'Contact', id: contactId, fields: intent.contactFields() };
}

function resolveMatch(
  intent: Intent,
  fields: MatchField[],
  results: LookupResults,
  config: SalesforceConfig,
): ResolvedWrite {
  const { object } = intent;
  const matches = results.get(object, fields);
  if (matches.length > 1) throw new NetworkInstrumentationError(intent.multipleMessage);
  if (matches.length === 0) {
    return { key: `new|${object.toLowerCase()}|${matchKey(fields)}`, object, fields: intent.fields };
  }
  const [record] = matches;
  if (intent.contactFields) return leadTarget(record, intent, config);
  return { key: `id|${object.toLowerCase()}|${record.Id}`, object, id: record.Id, fields: intent.fields };
}

function resolveIntent(intent: Intent, results: LookupResults, config: SalesforceConfig): ResolvedWrite {
  const { object, find, fields } = intent;
  switch (find.kind) {
    case 'new':
      return { key: '', object, fields };
    case 'id':
      return { key: `id|${object.toLowerCase()}|${find.id}`, object, id: find.id, fields };
    case 'externalId':
      return {
        key: `upsert|${object.toLowerCase()}|${matchKey([find])}`,
        object,
        upsert: { field: find.field, value: find.value },
        fields,
      };
    case 'match':
      return resolveMatch(intent, find.fields, results, config);
  }
}

export function resolve(states: JobState[], results: LookupResults, config: SalesforceConfig): JobState[] {
  return states.map((state) => {
    if (state.kind !== 'pending') return state;
    try {
      return { kind: 'resolved', writes: state.intents.map((it) => resolveIntent(it, results, config)) };
    } catch (error) {
      return { kind: 'error', error };
    }
  });
}

/** The objects resolved jobs write (some first met through a lookup: a converted Lead's Contact). */
export function resolvedObjects(states: JobState[]): string[] {
  return states.flatMap((s) => (s.kind === 'resolved' ? s.writes.map((w) => w.object) : []));
}
