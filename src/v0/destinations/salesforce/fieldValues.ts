/**
 * Values checked against their fields' types (from describe) before a record is sent. Salesforce refuses a value its
 * JSON reader cannot turn into the field's type with JSON_PARSER_ERROR, and in a collections request that refusal
 * takes the whole request with it (salesforce-api.md 1.7): one bad value would cost every job of the batch. So a
 * value that cannot be written is the job's own 400, naming the field, the type and what to send; a value Salesforce
 * reads as the type (a numeric string for a number, "true" for a checkbox) is converted here, as it would be there.
 */
import { InstrumentationError } from '../../../framework/errors';
import { fieldOf, type FieldInfo, type ObjectDescription } from './client';
import type { SoqlValue } from './soql';

/** Field types whose value is text: any scalar is accepted (Salesforce writes numbers and booleans as text). */
const TEXT_TYPES = new Set([
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'multipicklist',
  'combobox',
  'encryptedstring',
  'id',
  'reference',
  'base64',
  'time',
]);
const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long']);

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A value converted to what the field takes, or a sentence saying what it takes. */
type Converted = { ok: true; value: unknown } | { ok: false; expected: string };

function toNumber(value: unknown, integer: boolean): Converted {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  if (Number.isFinite(n) && (!integer || Number.isInteger(n))) return { ok: true, value: n };
  return { ok: false, expected: integer ? 'a whole number' : 'a number (or a numeric string)' };
}

function toBoolean(value: unknown): Converted {
  if (typeof value === 'boolean') return { ok: true, value };
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
  return { ok: false, expected: 'true or false' };
}

function toDate(value: unknown): Converted {
  if (typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    return { ok: true, value };
  }
  return { ok: false, expected: 'a date as YYYY-MM-DD' };
}

function toDateTime(value: unknown): Converted {
  if (typeof value === 'string' && DATETIME.test(value) && !Number.isNaN(Date.parse(value))) {
    return { ok: true, value };
  }
  if (typeof value === 'number' && Number.isFinite(value))
    return { ok: true, value: new Date(value).toISOString() };
  return { ok: false, expected: 'an ISO 8601 date and time (2026-01-31T09:30:00Z) or epoch milliseconds' };
}

/** Field types whose values {@link convertValue} checks or converts; any other type takes any scalar as it is. */
const CONVERTED_TYPES = new Set([...NUMBER_TYPES, 'boolean', 'date', 'datetime']);

/** The value as the field takes it. Null clears a field and is always accepted. */
export function convertValue(value: unknown, type: string): Converted {
  if (value === null) return { ok: true, value };
  if (NUMBER_TYPES.has(type)) return toNumber(value, type === 'int' || type === 'long');
  if (type === 'boolean') return toBoolean(value);
  if (type === 'date') return toDate(value);
  if (type === 'datetime') return toDateTime(value);
  if (typeof value === 'object')
    return { ok: false, expected: TEXT_TYPES.has(type) ? 'text' : 'a single value' };
  return { ok: true, value };
}

/** `a string`, `an int`: the word with its article. */
const withArticle = (word: string) => `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return withArticle(typeof value);
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `record` with each value converted to its field's type; throws the job's 400 for a value that cannot be. */
export function checkValues(
  object: string,
  record: Record<string, unknown>,
  description: ObjectDescription,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const name in record) {
    const field: FieldInfo | undefined = fieldOf(description, name);
    if (!field) continue; // unknown fields are the field check's business
    const value = record[name];
    // A scalar for a field of any other type is written as it is (what convertValue answers, without asking).
    if ((value === null || typeof value !== 'object') && !CONVERTED_TYPES.has(field.type)) continue;
    const converted = convertValue(value, field.type);
    if (!converted.ok) {
      throw new InstrumentationError(
        `Field ${object}.${field.name} is ${withArticle(field.type)} field in Salesforce; ${preview(value)} (${kindOf(value)}) cannot be written to it: send ${converted.expected}`,
      );
    }
    if (converted.value !== value) (out ??= { ...record })[name] = converted.value;
  }
  return out ?? record;
}

/**
 * A lookup value as its field's type takes it in a WHERE clause. SOQL is type-strict (salesforce-api.md 4.3): a bare
 * number against a text field, or a quoted one against a number field, fails the whole query, and with it every job
 * of the batch that shares the query. So text fields get text, number fields a number, checkboxes a boolean (other
 * types keep the value as given); a value that cannot be is the job's own 400, naming the field.
 */
export function lookupValue(object: string, field: FieldInfo, value: SoqlValue): SoqlValue {
  if (TEXT_TYPES.has(field.type)) return typeof value === 'string' ? value : String(value);
  if (!NUMBER_TYPES.has(field.type) && field.type !== 'boolean') return value;
  const converted = convertValue(value, field.type);
  if (converted.ok) return converted.value as SoqlValue;
  throw new InstrumentationError(
    `Field ${object}.${field.name} is ${withArticle(field.type)} field in Salesforce; ${preview(value)} (${kindOf(value)}) cannot be looked up in it: send ${converted.expected}`,
  );
}
