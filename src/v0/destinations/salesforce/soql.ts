/**
 * The one place SOQL is written. Values are always escaped (salesforce-api.md 4.3: `\` and `'` must be escaped,
 * control characters are written as their escape sequences, any other backslash is an error); identifiers
 * (object and field names) are whitelisted, never escaped, so nothing user-controlled can change the query shape.
 */
import { InstrumentationError } from '../../../framework/errors';
import { MAX_ENCODED_SOQL_LENGTH, MAX_SOQL_LITERAL_LENGTH } from './config';

/**
 * Salesforce API names: a letter, then letters, digits and underscores (`Email`, `ns__Custom_Obj__c`). Nothing
 * else (spaces, quotes, dots, parentheses) can appear, so an identifier can never change a query's shape.
 */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,254}$/;

export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** Throws an InstrumentationError naming the field when `name` is not a plain Salesforce API name. */
export function assertIdentifier(name: unknown, what: string): string {
  if (typeof name !== 'string' || !isValidIdentifier(name)) {
    throw new InstrumentationError(
      `Invalid ${what} ${JSON.stringify(name)}: use a Salesforce API name (a letter, then letters, digits and underscores, e.g. Email or External_Id__c)`,
    );
  }
  return name;
}

const CONTROL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\f': '\\f',
};

/** Characters that must be escaped: backslash, quotes, control characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /[\\'"\u0000-\u001f\u007f]/;

/**
 * Quote a string literal. Control characters without an unambiguous escape (backspace among them: the docs list
 * `\b` as "bell") are written as `\uXXXX`. Backslash is escaped first by construction (one pass, one table). */
export function quoteString(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `'${value}'`;
  let out = '';
  for (const ch of value) {
    const escaped = CONTROL_ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if (ch < ' ' || ch === '\u007f') out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `'${out}'`;
}

export type SoqlValue = string | number | boolean;

/** Characters from which `encodeURIComponent` may throw (a lone surrogate is a URIError). */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether the value, URI-encoded, takes more than half the SOQL budget. Encoding writes at most 9 characters per
 * UTF-16 unit, so a short value cannot: it is encoded only when long, or when it holds a surrogate (the encoding's
 * error, for a lone one, is the value's error).
 */
function encodedTooLong(value: string): boolean {
  if (value.length * 9 <= MAX_ENCODED_SOQL_LENGTH / 2 && !SURROGATE.test(value)) return false;
  return encodeURIComponent(value).length > MAX_ENCODED_SOQL_LENGTH / 2;
}

/**
 * A literal for a WHERE clause. Strings are always quoted, even when numeric: SOQL is type-strict and most
 * identifier fields are text (a bare number against a text field is rejected, salesforce-api.md 4.3). Booleans and
 * finite numbers are written bare only when given as such.
 */
export function literal(value: SoqlValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InstrumentationError(`Invalid lookup value ${String(value)}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value.length > MAX_SOQL_LITERAL_LENGTH || encodedTooLong(value)) {
    throw new InstrumentationError(
      `Lookup value is ${value.length} characters long; Salesforce accepts at most ${MAX_SOQL_LITERAL_LENGTH} in a query`,
    );
  }
  return quoteString(value);
}

function buildSelect(object: string, fields: readonly string[], where: string, list: string[]): string {
  const condition = list.length === 1 ? `${where} = ${list[0]}` : `${where} IN (${list.join(', ')})`;
  return `SELECT ${fields.join(', ')} FROM ${object} WHERE ${condition}`;
}

/** One lookup query and the values it covers. */
export interface LookupQuery {
  soql: string;
  values: SoqlValue[];
}

/**
 * `SELECT <fields> FROM <object> WHERE <where> IN (...)`, split into as few queries as fit the URI limit.
 * One value gives `WHERE <where> = <value>`. Identifiers are checked; values are escaped.
 */
export function buildLookupQueries(
  object: string,
  fields: readonly string[],
  where: string,
  values: SoqlValue[],
): LookupQuery[] {
  assertIdentifier(object, 'object type');
  fields.forEach((f) => assertIdentifier(f, 'field name'));
  assertIdentifier(where, 'identifier field');
  const queries: LookupQuery[] = [];
  const head = encodeURIComponent(`SELECT ${fields.join(', ')} FROM ${object} WHERE ${where} IN ()`).length;
  let chunk: SoqlValue[] = [];
  let literals: string[] = [];
  let size = head;
  const flush = () => {
    if (chunk.length) queries.push({ soql: buildSelect(object, fields, where, literals), values: chunk });
    chunk = [];
    literals = [];
    size = head;
  };
  for (const value of values) {
    const quoted = literal(value);
    // ", " encodes to 6 bytes; plain letters, digits and `@.-_` encode to themselves.
    const cost =
      (/^'[A-Za-z0-9@._-]*'$/.test(quoted) ? quoted.length + 4 : encodeURIComponent(quoted).length) + 6;
    if (chunk.length > 0 && size + cost > MAX_ENCODED_SOQL_LENGTH) flush();
    chunk.push(value);
    literals.push(quoted);
    size += cost;
  }
  flush();
  return queries;
}

/** One lookup on several fields and the value tuples it covers (one value per field, in field order). */
export interface MatchQuery {
  soql: string;
  tuples: SoqlValue[][];
}

/** Length of `text` as it travels in the query URL. */
const encodedLength = (text: string) => encodeURIComponent(text).length;

/** Encoded lengths of the condition's fixed parts (`%20OR%20`...). */
const OR_LENGTH = encodedLength(' OR ');
const EQUALS_LENGTH = encodedLength(' = ');
const IN_LENGTH = encodedLength(' IN (');
const COMMA_LENGTH = encodedLength(', ');

/**
 * The WHERE condition of a chunk of value tuples (their literals, one per field), grown one tuple at a time with its
 * URI-encoded length kept as it grows, so a chunk is sized without writing its query again for each tuple.
 */
interface MatchCondition {
  readonly size: number;
  /** Adds the tuple when the chunk is empty or the condition stays within `budget`; false when it would not. */
  tryAdd(literals: string[], budget: number): boolean;
  text(): string;
}

/** Every field equal: `(A = 1 AND B = 2) OR (A = 3 AND B = 4)`; one tuple needs no parentheses. */
function andCondition(fields: readonly string[]): MatchCondition {
  const rows: string[] = [];
  let rowsLength = 0;
  return {
    get size() {
      return rows.length;
    },
    tryAdd(literals, budget) {
      const row = fields.map((field, i) => `${field} = ${literals[i]}`).join(' AND ');
      const length = encodedLength(row);
      const n = rows.length + 1;
      const total = n === 1 ? length : rowsLength + length + 2 * n + OR_LENGTH * (n - 1);
      if (rows.length > 0 && total > budget) return false;
      rows.push(row);
      rowsLength += length;
      return true;
    },
    text: () => (rows.length === 1 ? rows[0] : rows.map((row) => `(${row})`).join(' OR ')),
  };
}

/** Any field among its values: `A IN (1, 3) OR B = 2`, each field's values distinct, in first-seen order. */
function orCondition(fields: readonly string[]): MatchCondition {
  const values = fields.map(() => new Set<string>());
  const valuesLength = fields.map(() => 0);
  const fieldLength = fields.map(encodedLength);
  let size = 0;
  return {
    get size() {
      return size;
    },
    tryAdd(literals, budget) {
      let total = OR_LENGTH * (fields.length - 1);
      // The encoded length of each literal the field does not have yet.
      const added = literals.map((literal, i) =>
        values[i].has(literal) ? undefined : encodedLength(literal),
      );
      fields.forEach((_, i) => {
        const count = values[i].size + (added[i] === undefined ? 0 : 1);
        const sum = valuesLength[i] + (added[i] ?? 0);
        total +=
          fieldLength[i] +
          (count === 1 ? EQUALS_LENGTH + sum : IN_LENGTH + sum + COMMA_LENGTH * (count - 1) + 1);
      });
      if (size > 0 && total > budget) return false;
      literals.forEach((literal, i) => {
        const length = added[i];
        if (length === undefined) return;
        values[i].add(literal);
        valuesLength[i] += length;
      });
      size += 1;
      return true;
    },
    text: () =>
      fields
        .map((field, i) => {
          const list = [...values[i]];
          return list.length === 1 ? `${field} = ${list[0]}` : `${field} IN (${list.join(', ')})`;
        })
        .join(' OR '),
  };
}

/**
 * Lookups of records matching several fields, as few queries as fit the URI limit. SOQL needs parentheses to mix
 * AND and OR, so each tuple is its own group. A single field is {@link buildLookupQueries}' `IN` list.
 */
export function buildMatchQueries(
  object: string,
  select: readonly string[],
  fields: readonly string[],
  operator: 'and' | 'or',
  tuples: SoqlValue[][],
): MatchQuery[] {
  if (fields.length === 1) {
    // The IN-list queries take the values in order, so each covers the next run of the tuples themselves.
    let covered = 0;
    return buildLookupQueries(
      object,
      select,
      fields[0],
      tuples.map((t) => t[0]),
    ).map((q) => {
      const start = covered;
      covered += q.values.length;
      return { soql: q.soql, tuples: tuples.slice(start, covered) };
    });
  }
  assertIdentifier(object, 'object type');
  [...select, ...fields].forEach((f) => assertIdentifier(f, 'field name'));
  const head = `SELECT ${select.join(', ')} FROM ${object} WHERE `;
  const budget = MAX_ENCODED_SOQL_LENGTH - encodedLength(head);
  const condition = () => (operator === 'or' ? orCondition(fields) : andCondition(fields));
  const queries: MatchQuery[] = [];
  let current = condition();
  let chunk: SoqlValue[][] = [];
  for (const tuple of tuples) {
    const literals = fields.map((_, i) => literal(tuple[i]));
    if (!current.tryAdd(literals, budget)) {
      queries.push({ soql: head + current.text(), tuples: chunk });
      current = condition();
      current.tryAdd(literals, budget);
      chunk = [];
    }
    chunk.push(tuple);
  }
  if (current.size) queries.push({ soql: head + current.text(), tuples: chunk });
  return queries;
}
