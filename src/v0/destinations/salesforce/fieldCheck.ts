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

/**
 * The fields of `record` the org cannot take: added to `dropped` (policy drop; created on the first one), or the
 * job's 400 (reject). Returns `dropped`.
 */
function checkNames(
  object: string,
  record: Record<string, unknown>,
  description: ObjectDescription,
  kind: WriteKind,
  policy: UnknownFieldPolicy,
  dropped: string[] | undefined,
): string[] | undefined {
  let out = dropped;
  for (const name in record) {
    const issue = problem(name, description, kind);
    if (!issue || out?.includes(name)) continue;
    if (policy === 'drop') {
      (out ??= []).push(name);
      continue;
    }
    throw new InstrumentationError(
      issue === 'missing'
        ? `Field ${name} does not exist on ${object} in this Salesforce org (or the integration user cannot see it): create it in Salesforce first (Setup > Object Manager > ${object} > Fields & Relationships), or set unknownFieldPolicy to drop`
        : `Field ${name} on ${object} cannot be written on ${kind} (Salesforce marks it read-only): remove the trait, or set unknownFieldPolicy to drop`,
    );
  }
  return out;
}

/**
 * The record's fields checked against the org's describe. Undefined when the org takes every one of them (the common
 * case: nothing to copy); else the fields without those dropped (policy drop), and their names.
 */
export function checkFields(
  object: string,
  input: RecordFields,
  description: ObjectDescription,
  kind: WriteKind,
  policy: UnknownFieldPolicy,
): CheckedFields | undefined {
  let dropped = checkNames(object, input.fields, description, kind, policy, undefined);
  if (kind !== 'update')
    dropped = checkNames(object, input.createDefaults, description, kind, policy, dropped);
  if (!dropped) return undefined;
  return {
    fields: without(input.fields, dropped),
    createDefaults: without(input.createDefaults, dropped),
    dropped,
  };
}
