/**
 * Phase 3, describe: every object the batch writes is described once (cached by the client). An object that cannot
 * be described cannot be written safely, so its jobs fail before any lookup is spent on them. A lookup by one
 * External ID field, for an upsert, becomes Salesforce's native upsert instead: no lookup at all.
 */
import { fieldOf, type ObjectDescription, type SalesforceClient, type SessionContext } from '../client';
import { InstrumentationError } from '../../../../framework/errors';
import { spreadWith } from '../../../../framework/objects';
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
function checkLookupFields(
  object: string,
  fields: MatchField[],
  descriptions: Descriptions,
  origin?: string,
): void {
  const description = descriptionOf(descriptions, object);
  if (!description) return;
  for (const { field } of fields) {
    if (fieldOf(description, field)) continue;
    throw new InstrumentationError(
      `${origin ? `${origin}: ` : ''}field ${field} does not exist on ${object} in this Salesforce org (or the integration user cannot see it): fix the field the record is found by, or create it in Salesforce first`,
    );
  }
}

function checkLookups(intent: Intent, descriptions: Descriptions): void {
  const { find, object, origin } = intent;
  if (find.kind === 'match') checkLookupFields(object, find.fields, descriptions, origin);
  for (const ref of intent.references ?? []) {
    for (const c of ref.candidates) checkLookupFields(c.object, c.fields, descriptions, origin);
  }
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
      state.intents.forEach((it) => checkLookups(it, descriptions));
      const intents = withNativeUpserts(state.intents, descriptions);
      return intents === state.intents ? state : { kind: 'pending', intents };
    } catch (error) {
      return { kind: 'error', error };
    }
  });
}
