/**
 * Phase 3, describe: every object the batch writes is described once (cached by the client). An object that cannot
 * be described cannot be written safely, so its jobs fail before any lookup is spent on them. A lookup by one
 * External ID field, for an upsert, becomes Salesforce's native upsert instead: no lookup at all.
 */
import type { ObjectDescription, SalesforceClient, SessionContext } from '../client';
import { InstrumentationError } from '../../../../framework/errors';
import type { Intent, JobState, MatchField } from './state';

/** Descriptions by lower-cased object name; a failed describe keeps its error. */
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
  for (const object of objects) {
    const key = object.toLowerCase();
    if (!into.has(key) && !wanted.has(key)) wanted.set(key, object);
  }
  await Promise.all(
    [...wanted].map(([key, object]) =>
      describe(ctx, object).then(
        (d) => into.set(key, d),
        (error: unknown) => into.set(key, { error }),
      ),
    ),
  );
}

/** The description of `object`; throws its describe error; undefined when the client does not describe. */
export function descriptionOf(descriptions: Descriptions, object: string): ObjectDescription | undefined {
  const d = descriptions.get(object.toLowerCase());
  if (d && 'error' in d) throw d.error;
  return d;
}

/** The objects pending jobs write, and those their fields refer to. */
export function pendingObjects(states: JobState[]): string[] {
  return states.flatMap((s) =>
    s.kind === 'pending'
      ? s.intents.flatMap((it) => [
          it.object,
          ...(it.references ?? []).flatMap((r) => r.candidates.map((c) => c.object)),
        ])
      : [],
  );
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
    if (description.fields.has(field.toLowerCase())) continue;
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
  const info = description?.fields.get(field.toLowerCase());
  return info?.externalId ? { ...intent, find: { kind: 'externalId', field: info.name, value } } : intent;
}

/** Jobs whose objects could not be described fail; the others get their native upserts. */
export function applyDescriptions(states: JobState[], descriptions: Descriptions): JobState[] {
  return states.map((state) => {
    if (state.kind !== 'pending') return state;
    try {
      state.intents.forEach((it) => checkLookups(it, descriptions));
      const intents = state.intents.map((it) => asNativeUpsert(it, descriptionOf(descriptions, it.object)));
      return { kind: 'pending', intents };
    } catch (error) {
      return { kind: 'error', error };
    }
  });
}
