/**
 * Fields checked against the org's describe before a record is sent. A field the org lacks (or hides from the
 * integration user), or one it will not let us write, would make Salesforce reject the whole record with
 * INVALID_FIELD ("No such column 'newProp__c'"); in a collections request it could cost the batch a round trip.
 * Policy `reject` (default): the record's jobs get a 400 naming the field and the fix. Policy `drop`: the field is
 * removed and the drop is reported with the job's delivery status.
 */
import { InstrumentationError } from '../../../framework/errors';
import { fieldOf, type ObjectDescription } from './client';
import type { UnknownFieldPolicy } from './config';
import type { RecordFields } from './payload';

export type WriteKind = 'create' | 'update' | 'upsert';

export interface CheckedFields extends RecordFields {
  dropped: string[];
}

function problem(name: string, description: ObjectDescription, kind: WriteKind): string | undefined {
  const field = fieldOf(description, name);
  if (!field) return 'missing';
  const writable =
    kind === 'create'
      ? field.createable
      : kind === 'update'
        ? field.updateable
        : field.createable || field.updateable;
  return writable ? undefined : 'readonly';
}

/** The record without the dropped fields. */
function without(record: Record<string, unknown>, dropped: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) if (!dropped.includes(key)) out[key] = record[key];
  return out;
}

/** The fields of `record` the org cannot take: added to `dropped` (policy drop), or the job's 400 (reject). */
function checkNames(
  object: string,
  record: Record<string, unknown>,
  description: ObjectDescription,
  kind: WriteKind,
  policy: UnknownFieldPolicy,
  dropped: string[],
): void {
  for (const name in record) {
    const issue = problem(name, description, kind);
    if (!issue || dropped.includes(name)) continue;
    if (policy === 'drop') {
      dropped.push(name);
      continue;
    }
    throw new InstrumentationError(
      issue === 'missing'
        ? `Field ${name} does not exist on ${object} in this Salesforce org (or the integration user cannot see it): create it in Salesforce first (Setup > Object Manager > ${object} > Fields & Relationships), or set unknownFieldPolicy to drop`
        : `Field ${name} on ${object} cannot be written on ${kind} (Salesforce marks it read-only): remove the trait, or set unknownFieldPolicy to drop`,
    );
  }
}

export function checkFields(
  object: string,
  input: RecordFields,
  description: ObjectDescription,
  kind: WriteKind,
  policy: UnknownFieldPolicy,
): CheckedFields {
  const dropped: string[] = [];
  checkNames(object, input.fields, description, kind, policy, dropped);
  if (kind !== 'update') checkNames(object, input.createDefaults, description, kind, policy, dropped);
  if (dropped.length === 0) return { fields: input.fields, createDefaults: input.createDefaults, dropped }; // the common case: nothing copied
  return {
    fields: without(input.fields, dropped),
    createDefaults: without(input.createDefaults, dropped),
    dropped,
  };
}
