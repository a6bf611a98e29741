/**
 * Phase 4b, resolve: each pending job's intents become the records they write, from the batch's lookups. A record
 * found is updated or deleted (a converted Lead's Contact with `useContactId`); one not found is created by an upsert,
 * is an error for an update, and is nothing to do for a delete (already gone); several are an error naming the values
 * unless the rule says `first` or `all`. Fields that refer to other records get those records' ids, or wait for a
 * record the batch creates. Each record gets the merge key that tells when two events hit the same record.
 */
import { NetworkInstrumentationError } from '../../../../framework/errors';
import { spreadWith } from '../../../../framework/objects';
import type { SObjectRecord } from '../client';
import type { SalesforceConfig } from '../config';
import { normValue, type LookupResults } from './lookups';
import {
  describeMatch,
  type Intent,
  type JobState,
  type MatchField,
  type PendingReference,
  type ResolvedWrite,
} from './state';

const fieldKey = ({ field, value }: MatchField) => `${field.toLowerCase()}|${normValue(value)}`;
const matchKey = (fields: MatchField[]) =>
  fields.length === 1 ? fieldKey(fields[0]) : fields.map(fieldKey).join('&');

/** The merge key of a record an upsert creates when its lookup finds nothing. */
const createdKey = (object: string, fields: MatchField[]) =>
  `new|${object.toLowerCase()}|${matchKey(fields)}`;

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

/** The write of a record found by its id. */
function foundWrite(intent: Intent, id: string): ResolvedWrite {
  const write: ResolvedWrite = {
    key: `id|${intent.object.toLowerCase()}|${id}`,
    object: intent.object,
    id,
    fields: intent.fields,
  };
  if (intent.operation === 'delete') write.delete = true;
  return write;
}

/** Nothing matched: an upsert creates, an update is an error, a delete has nothing to do. */
function notFound(intent: Intent, fields: MatchField[], operator: 'and' | 'or'): ResolvedWrite[] {
  if (intent.operation === 'delete') return [];
  if (intent.operation === 'update') {
    throw new NetworkInstrumentationError(
      `${intent.origin ?? intent.object}: no ${intent.object} matches ${describeMatch(fields, operator)}; nothing was written (the rule updates existing records only: use upsert to create it)`,
    );
  }
  return [{ key: createdKey(intent.object, fields), object: intent.object, fields: intent.fields }];
}

/** The write of a record a lookup found. */
function matchWrite(record: SObjectRecord, intent: Intent, config: SalesforceConfig): ResolvedWrite {
  return intent.contactFields ? leadTarget(record, intent, config) : foundWrite(intent, record.Id);
}

function resolveMatch(
  intent: Intent,
  find: { fields: MatchField[]; operator: 'and' | 'or' },
  results: LookupResults,
  config: SalesforceConfig,
): ResolvedWrite[] {
  const matches = results.get(intent.object, find.fields, find.operator);
  if (matches.length === 0) return notFound(intent, find.fields, find.operator);
  const ifMultiple = intent.ifMultiple ?? 'error';
  if (matches.length > 1 && ifMultiple === 'error')
    throw new NetworkInstrumentationError(intent.multipleMessage);
  if (matches.length === 1) return [matchWrite(matches[0], intent, config)];
  // Several matches taken in id order, so the choice of `first` does not depend on the order Salesforce answered in.
  const sorted = [...matches].sort((a, b) => a.Id.localeCompare(b.Id));
  const chosen = ifMultiple === 'all' ? sorted : sorted.slice(0, 1);
  return chosen.map((record) => matchWrite(record, intent, config));
}

function resolveFind(intent: Intent, results: LookupResults, config: SalesforceConfig): ResolvedWrite[] {
  const { object, find, fields } = intent;
  switch (find.kind) {
    case 'new':
      return [{ key: '', object, fields }];
    case 'id':
      return [foundWrite(intent, find.id)];
    case 'externalId':
      return [
        {
          key: `upsert|${object.toLowerCase()}|${matchKey([find])}`,
          object,
          upsert: { field: find.field, value: find.value },
          fields,
        },
      ];
    case 'match':
      return resolveMatch(intent, find, results, config);
  }
}

/**
 * The intent's references: ids of records found (written into its fields), and references to records found nowhere,
 * which the batch may create (pending).
 */
function resolveReferences(intent: Intent, results: LookupResults): PendingReference[] {
  const pending: PendingReference[] = [];
  for (const ref of intent.references ?? []) {
    // Every candidate is looked at (a failed lookup of any of them is the job's error), the first with a match wins.
    let found: SObjectRecord | undefined;
    for (const c of ref.candidates) {
      const matches = results.get(c.object, c.fields, c.operator);
      const first = matches.length > 1 ? matches.sort((a, b) => a.Id.localeCompare(b.Id))[0] : matches[0];
      found ??= first;
    }
    if (found) {
      intent.fields.fields[ref.destKey] = found.Id;
      continue;
    }
    if (!ref.required) continue;
    const described = ref.candidates
      .map((c) => `${c.object} with ${describeMatch(c.fields, c.operator)}`)
      .join(', or ');
    const keys = ref.candidates.map((c) => createdKey(c.object, c.fields));
    pending.push({ destKey: ref.destKey, keys, described, origin: intent.origin });
  }
  return pending;
}

function resolveIntent(intent: Intent, results: LookupResults, config: SalesforceConfig): ResolvedWrite[] {
  const pending = intent.references?.length ? resolveReferences(intent, results) : undefined;
  const writes = resolveFind(intent, results, config);
  return pending?.length ? writes.map((w) => spreadWith(w, 'pending', pending)) : writes;
}

export function resolve(states: JobState[], results: LookupResults, config: SalesforceConfig): JobState[] {
  return states.map((state): JobState => {
    if (state.kind !== 'pending') return state;
    try {
      const { intents } = state;
      const writes =
        intents.length === 1
          ? resolveIntent(intents[0], results, config)
          : intents.flatMap((it) => resolveIntent(it, results, config));
      if (writes.length > 0) return { kind: 'resolved', writes };
      return { kind: 'done', note: 'Nothing to write: the records to delete are already gone' };
    } catch (error) {
      return { kind: 'error', error };
    }
  });
}

/** The objects resolved jobs write (some first met through a lookup: a converted Lead's Contact). */
export function resolvedObjects(states: JobState[]): string[] {
  const objects: string[] = [];
  for (const s of states) if (s.kind === 'resolved') for (const w of s.writes) objects.push(w.object);
  return objects;
}
