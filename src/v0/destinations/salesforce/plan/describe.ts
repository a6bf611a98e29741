/**
 * Phase 3, describe: every object the batch writes is described once (cached by the client). An object that cannot
 * be described cannot be written safely, so its jobs fail before any lookup is spent on them. A lookup by one
 * External ID field, for an upsert, becomes Salesforce's native upsert instead: no lookup at all.
 */
import { fieldOf, type ObjectDescription, type SalesforceClient, type SessionContext } from '../client';
import { InstrumentationError } from '../../../../framework/errors';
import { spreadWith } from '../../../../framework/objects';
import { lookupValue } from '../fieldValues';
import type { Intent, JobState, MatchField } from './state';

/**
 * Descriptions by lower-cased object name; a failed describe keeps its error. A description is also found under its
 * object's name as Salesforce spells it (`Lead`), so the names a batch repeats are not lower-cased each time.
 */
export type Descriptions = Map<string, ObjectDescription | { error: unknown }>;

/** Describe every object of `objects` not yet in `into`, concurrently; failures are kept per object. */
export async function describeObjects(
  client: SalesforceClient,
  ctx: SessionContext,
  objects: Iterable<string>,
  into: Descriptions,
): Promise<void> {
  if (!client.describe) return;
  const describe = client.describe.bind(client);
  const wanted = new Map<string, string>();
  // A batch names few objects, many times over: each name is lower-cased once.
  const seen = new Set<string>();
  for (const object of objects) {
    if (seen.has(object)) continue;
    seen.add(object);
    const key = object.toLowerCase();
    if (!into.has(key) && !wanted.has(key)) wanted.set(key, object);
  }
  await Promise.all(
    [...wanted].map(([key, object]) =>
      describe(ctx, object).then(
        (d) => {
          into.set(key, d);
          const { name } = d;
          if (typeof name === 'string' && name !== key && name.toLowerCase() === key) into.set(name, d);
        },
        (error: unknown) => into.set(key, { error }),
      ),
    ),
  );
}

/** The description of `object`; throws its describe error; undefined when the client does not describe. */
export function descriptionOf(descriptions: Descriptions, object: string): ObjectDescription | undefined {
  const d = descriptions.get(object) ?? descriptions.get(object.toLowerCase());
  if (d && 'error' in d) throw d.error;
  return d;
}

/** The objects pending jobs write, and those their fields refer to. */
export function pendingObjects(states: JobState[]): string[] {
  const objects: string[] = [];
  for (const s of states) {
    if (s.kind !== 'pending') continue;
    for (const it of s.intents) {
      objects.push(it.object);
      for (const r of it.references ?? []) for (const c of r.candidates) objects.push(c.object);
    }
  }
  return objects;
}

/** A lookup on a field the object lacks would cost a call and fail: said before, naming the field and the rule. */
/**
 * The match fields, each checked to exist on the object and its value typed as the field takes it in SOQL
 * (fieldValues.ts `lookupValue`); the same array when no value changes.
 */
function typedLookupFields(
  object: string,
  fields: MatchField[],
  descriptions: Descriptions,
  origin?: string,
): MatchField[] {
  const description = descriptionOf(descriptions, object);
  if (!description) return fields;
  let out = fields;
  for (let k = 0; k < fields.length; k += 1) {
    const { field, value } = fields[k];
    const info = fieldOf(description, field);
    if (!info) {
      throw new InstrumentationError(
        `${origin ? `${origin}: ` : ''}field ${field} does not exist on ${object} in this Salesforce org (or the integration user cannot see it): fix the field the record is found by, or create it in Salesforce first`,
      );
    }
    const typed = lookupValue(object, info, value);
    if (typed === value) continue;
    if (out === fields) out = fields.slice();
    out[k] = { field, value: typed };
  }
  return out;
}

/** The intent with its lookups (its own and its references') checked and typed; the same intent when unchanged. */
function typedLookups(intent: Intent, descriptions: Descriptions): Intent {
  const { find, object, origin } = intent;
  let out = intent;
  if (find.kind === 'match') {
    const fields = typedLookupFields(object, find.fields, descriptions, origin);
    if (fields !== find.fields)
      out = spreadWith(out, 'find', { kind: 'match', fields, operator: find.operator });
  }
  const refs = intent.references;
  if (!refs) return out;
  const typedRefs = refs.map((ref) => {
    const candidates = ref.candidates.map((c) => {
      const fields = typedLookupFields(c.object, c.fields, descriptions, origin);
      return fields === c.fields ? c : spreadWith(c, 'fields', fields);
    });
    return candidates.every((c, i) => c === ref.candidates[i])
      ? ref
      : spreadWith(ref, 'candidates', candidates);
  });
  return typedRefs.every((r, i) => r === refs[i]) ? out : spreadWith(out, 'references', typedRefs);
}

function asNativeUpsert(intent: Intent, description: ObjectDescription | undefined): Intent {
  const { find } = intent;
  if (intent.operation !== 'upsert' || find.kind !== 'match' || find.fields.length !== 1) return intent;
  const [{ field, value }] = find.fields;
  const info = description && fieldOf(description, field);
  return info?.externalId
    ? spreadWith(intent, 'find', { kind: 'externalId', field: info.name, value })
    : intent;
}

/** The intents with their native upserts; the same array when there is none. */
function withNativeUpserts(intents: Intent[], descriptions: Descriptions): Intent[] {
  let out = intents;
  for (let k = 0; k < intents.length; k += 1) {
    const native = asNativeUpsert(intents[k], descriptionOf(descriptions, intents[k].object));
    if (native === intents[k]) continue;
    if (out === intents) out = intents.slice();
    out[k] = native;
  }
  return out;
}

/** Jobs whose objects could not be described fail; the others get their native upserts. */
export function applyDescriptions(states: JobState[], descriptions: Descriptions): JobState[] {
  return states.map((state) => {
    if (state.kind !== 'pending') return state;
    try {
      const typed = state.intents.map((it) => typedLookups(it, descriptions));
      const unchanged = typed.every((it, k) => it === state.intents[k]);
      const intents = withNativeUpserts(unchanged ? state.intents : typed, descriptions);
      return intents === state.intents ? state : { kind: 'pending', intents };
    } catch (error) {
      return { kind: 'error', error };
    }
  });
}
