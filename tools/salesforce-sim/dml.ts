/** Record writes: validation, defaults, converted-lead and lock rules, shared by every endpoint. */
import { type Clock, formatDateTime, parseDateTime } from './clock';
import { DeserializeError, LOCK_ERROR, SfError } from './errors';
import { makeId, normalizeId } from './ids';
import { type FieldDef, type ObjectDef, type Schema, ID_TYPES, NUMBER_TYPES, STRING_TYPES } from './schema';
import { CreateValues, createRules, requiredFieldsMissing } from './rules';
import { indexKey, type RecordStore } from './store';
import type { FieldValue, SimRecord } from './types';

export type WriteResult =
  | { success: true; id: string; created?: boolean }
  | {
      success: false;
      id?: string;
      errors: SfError[];
      /** HTTP status a single-record call answers with (400 unless stated). */
      status?: number;
      /** Upsert: ids of the several records that matched (single-record calls answer 300). */
      multiple?: string[];
    };

export interface Prepared {
  def: ObjectDef;
  values: Map<FieldDef, FieldValue>;
  errors: SfError[];
}

export interface DmlEnv {
  schema: Schema;
  store: RecordStore;
  /** Known user ids (valid OwnerId values) and the default owner. */
  userIds: ReadonlySet<string>;
  defaultOwnerId: string;
  lockedIds: () => ReadonlySet<string>;
  lockedEmails: () => ReadonlySet<string>;
  /** Stamps CreatedDate and LastModifiedDate. */
  now: Clock;
}

/** User ids (OwnerId values) start with this key prefix; users are not records of the simulated org. */
const USER_PREFIX = '005';

const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s.]+$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'START_ARRAY';
  if (v !== null && typeof v === 'object') return 'START_OBJECT';
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'boolean') return v ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return 'VALUE_NUMBER';
}

function parserError(kind: string, v: unknown): DeserializeError {
  const shown = typeof v === 'string' ? v : JSON.stringify(v);
  return new DeserializeError(
    new SfError(
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${kind} from ${jsonTypeName(v)} value ${shown} or request may be missing a required field`,
    ),
  );
}

function coerceString(f: FieldDef, raw: unknown): FieldValue | SfError {
  if (typeof raw === 'object') throw parserError('string', raw);
  const s = String(raw);
  if (s === '') return null;
  if (s.length > f.length) {
    return new SfError('STRING_TOO_LONG', `${f.label}: data value too large: ${s} (max length=${f.length})`, [
      f.name,
    ]);
  }
  if (f.type === 'email' && !EMAIL_RE.test(s)) {
    return new SfError('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`, [f.name]);
  }
  return s;
}

function coerceBoolean(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw parserError('boolean', raw);
}

function coerceNumber(f: FieldDef, raw: unknown): number {
  const kind = f.type === 'int' ? 'int' : 'double';
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) n = Number(raw);
  else throw parserError(kind, raw);
  if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) throw parserError(kind, raw);
  return n;
}

function coerceDate(raw: unknown): string {
  if (typeof raw !== 'string') throw parserError('date', raw);
  const m = DATE_RE.exec(raw);
  if (!m || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) throw parserError('date', raw);
  return raw;
}

function coerceDateTime(raw: unknown): string {
  if (typeof raw !== 'string' || !DATETIME_RE.test(raw)) throw parserError('datetime', raw);
  const ms = parseDateTime(raw);
  if (Number.isNaN(ms)) throw parserError('datetime', raw);
  return formatDateTime(ms);
}

/** The canonical 18-character form of an id of this object, or MALFORMED_ID. */
function canonicalId(def: ObjectDef, rawId: string): string | SfError {
  const id = normalizeId(rawId);
  if (id !== null && id.startsWith(def.keyPrefix)) return id;
  return new SfError('MALFORMED_ID', `${def.label} ID: id value of incorrect type: ${rawId}`, ['Id']);
}

export class Dml {
  constructor(private readonly env: DmlEnv) {}

  /**
   * Converts a JSON value to the stored value of a field. Throws DeserializeError for JSON type
   * mismatches; returns an SfError for record-level validation failures.
   */
  coerce(def: ObjectDef, f: FieldDef, raw: unknown, checkRefs = true): FieldValue | SfError {
    if (raw === null) return null;
    if (STRING_TYPES.has(f.type)) return coerceString(f, raw);
    if (ID_TYPES.has(f.type)) return this.coerceId(def, f, raw, checkRefs);
    if (f.type === 'boolean') return coerceBoolean(raw);
    if (NUMBER_TYPES.has(f.type)) return coerceNumber(f, raw);
    if (f.type === 'date') return coerceDate(raw);
    return coerceDateTime(raw);
  }

  /** The key prefixes an id may carry: the object's own, or one per target of a reference (User ids: 005). */
  private idPrefixes(def: ObjectDef, f: FieldDef): string[] {
    if (f.type === 'id' || f.referenceTo.length === 0) return [def.keyPrefix];
    return f.referenceTo
      .map((t) => (t === 'User' ? USER_PREFIX : this.env.schema.object(t)?.keyPrefix))
      .filter((prefix): prefix is string => prefix !== undefined);
  }

  /**
   * An id or reference value: well formed and of a target object's key prefix (MALFORMED_ID otherwise), and,
   * when `checkRefs`, naming a live record (INVALID_CROSS_REFERENCE_KEY otherwise). A polymorphic reference
   * (WhoId, WhatId) accepts any of its targets.
   */
  private coerceId(def: ObjectDef, f: FieldDef, raw: unknown, checkRefs: boolean): FieldValue | SfError {
    if (typeof raw !== 'string') throw parserError('id', raw);
    if (raw === '') return null;
    const id = normalizeId(raw);
    const prefixes = this.idPrefixes(def, f);
    if (id === null || (prefixes.length > 0 && !prefixes.some((prefix) => id.startsWith(prefix)))) {
      return new SfError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${raw}`, [f.name]);
    }
    if (!checkRefs || f.type === 'id' || f.referenceTo.length === 0) return id;
    return this.missingReference(f, id, raw) ?? id;
  }

  /** INVALID_CROSS_REFERENCE_KEY when the referenced user or record does not exist (or is deleted). */
  private missingReference(f: FieldDef, id: string, raw: string): SfError | undefined {
    if (id.startsWith(USER_PREFIX) && f.referenceTo.includes('User')) {
      if (this.env.userIds.has(id)) return undefined;
      return new SfError('INVALID_CROSS_REFERENCE_KEY', `${f.label}: id value of incorrect type: ${raw}`, [
        f.name,
      ]);
    }
    const target = this.env.schema.objectByPrefix(id.slice(0, 3));
    const row = target && f.referenceTo.includes(target.name) ? this.env.store.row(target, id) : undefined;
    if (row && row.IsDeleted !== true) return undefined;
    return new SfError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [f.name]);
  }

  /**
   * Reads a JSON record body. `skip` lists lower-case keys that are not fields (attributes, the
   * collections `id`). Unknown fields and JSON type mismatches throw DeserializeError; everything
   * else is collected in `errors`.
   */
  prepare(
    def: ObjectDef,
    body: Record<string, unknown>,
    op: 'create' | 'update',
    skip: ReadonlySet<string> = new Set(['attributes']),
  ): Prepared {
    const values = new Map<FieldDef, FieldValue>();
    const errors: SfError[] = [];
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(body)) {
      const lower = key.toLowerCase();
      if (skip.has(lower)) continue;
      const f = def.fieldMap.get(lower);
      if (!f) {
        throw new DeserializeError(
          new SfError('INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [key]),
        );
      }
      if (f.type === 'id') {
        if (raw === null || raw === undefined) continue;
        errors.push(
          op === 'create'
            ? new SfError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id'])
            : new SfError('INVALID_FIELD_FOR_INSERT_UPDATE', 'Unable to create/update fields: Id.', ['Id']),
        );
        continue;
      }
      if ((op === 'create' && !f.createable) || (op === 'update' && !f.updateable)) {
        readOnly.push(f.name);
        continue;
      }
      const v = this.coerce(def, f, raw);
      if (v instanceof SfError) errors.push(v);
      else values.set(f, v);
    }
    if (readOnly.length > 0) {
      errors.push(
        new SfError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          readOnly,
        ),
      );
    }
    return { def, values, errors };
  }

  private isLocked(id: string | undefined, email: FieldValue | undefined): boolean {
    if (id !== undefined && this.env.lockedIds().has(id)) return true;
    if (typeof email === 'string' && this.env.lockedEmails().has(email.toLowerCase())) return true;
    return false;
  }

  create(p: Prepared): WriteResult {
    if (p.errors.length > 0) return { success: false, errors: p.errors };
    const values = new CreateValues(p.def, new Map(p.values));
    const error = this.createError(values);
    if (error) return { success: false, errors: [error] };
    createRules(p.def).derive?.(values);
    const id = makeId(p.def.keyPrefix, this.env.store.nextSeq());
    this.env.store.put(p.def, this.buildNew(p.def, id, values.values, this.env.now()));
    return { success: true, id };
  }

  /** Why a create is refused: required fields missing, a locked row, or a conflict with stored rows. */
  private createError(v: CreateValues): SfError | undefined {
    const { def, values } = v;
    const missing = def.fields
      .filter((f) => f.required && (values.get(f) ?? null) === null)
      .map((f) => f.name);
    if (missing.length > 0) return requiredFieldsMissing(missing);
    const rules = createRules(def);
    const invalid = rules.invalid?.(v);
    if (invalid) return invalid;
    const emailField = def.fieldMap.get('email');
    if (this.isLocked(undefined, emailField ? values.get(emailField) : undefined)) return LOCK_ERROR;
    return rules.conflict?.(v, { liveRowsWhere: (d, f, value) => this.findByKey(d, f, value) });
  }

  /** A full new row with defaults; also used by seeding. */
  buildNew(def: ObjectDef, id: string, values: Map<FieldDef, FieldValue>, now: number): SimRecord {
    const rec: SimRecord = { Id: id };
    const stamp = formatDateTime(now);
    for (const f of def.fields) {
      if (f.type === 'id') continue;
      let v: FieldValue = f.defaultValue ?? null;
      if (f.name === 'OwnerId') v = this.env.defaultOwnerId;
      if (f.name === 'CreatedDate' || f.name === 'LastModifiedDate') v = stamp;
      if (values.has(f)) v = values.get(f) ?? null;
      rec[f.name] = v;
    }
    if (def.custom && rec.Name === null) rec.Name = id;
    return rec;
  }

  /** Resolves a raw id against an object; returns the canonical id or a failed result. */
  resolveId(def: ObjectDef, rawId: string): { id: string } | { fail: WriteResult } {
    const id = canonicalId(def, rawId);
    return id instanceof SfError ? { fail: { success: false, errors: [id] } } : { id };
  }

  /** The live (not deleted) rows whose `key` field equals `value` (case-insensitive; `Id` by the normalised id). */
  findByKey(def: ObjectDef, key: FieldDef, value: FieldValue): SimRecord[] {
    const ids =
      key.type === 'id'
        ? new Set(typeof value === 'string' ? [value] : [])
        : (this.env.store.lookup(def, key.name, value) ?? this.scanIds(def, key, value));
    const out: SimRecord[] = [];
    for (const id of ids) {
      const row = this.env.store.row(def, id);
      if (row && row.IsDeleted !== true) out.push(row);
    }
    return out;
  }

  /** Ids of the rows whose (not indexed) field equals the value, compared as the index would. */
  private scanIds(def: ObjectDef, key: FieldDef, value: FieldValue): string[] {
    const wanted = indexKey(value);
    if (wanted === null) return [];
    const ids: string[] = [];
    for (const row of this.env.store.rows(def)) if (indexKey(row[key.name]) === wanted) ids.push(row.Id);
    return ids;
  }

  /** Update by id; an unknown id is NOT_FOUND (404 for single-record calls). */
  update(p: Prepared, rawId: string): WriteResult {
    const r = this.liveRow(p.def, rawId);
    return 'fail' in r ? r.fail : this.applyUpdate(p, r.row);
  }

  /** The row an id names, or the failure: a malformed id, NOT_FOUND, or ENTITY_IS_DELETED (both 404). */
  private liveRow(def: ObjectDef, rawId: string): { row: SimRecord } | { fail: WriteResult } {
    const r = this.resolveId(def, rawId);
    if ('fail' in r) return r;
    const row = this.env.store.row(def, r.id);
    if (!row || row.IsDeleted === true) {
      const error = row
        ? new SfError('ENTITY_IS_DELETED', 'entity is deleted')
        : new SfError('NOT_FOUND', 'The requested resource does not exist');
      return { fail: { success: false, id: r.id, status: 404, errors: [error] } };
    }
    return { row };
  }

  /** Update a live row (callers have checked it exists and is not deleted). */
  private applyUpdate(p: Prepared, row: SimRecord): WriteResult {
    const id = row.Id;
    if (p.errors.length > 0) return { success: false, id, errors: p.errors };
    if (p.def.name === 'Lead' && row.IsConverted === true) {
      return {
        success: false,
        id,
        errors: [new SfError('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead')],
      };
    }
    const cleared = [...p.values.entries()]
      .filter(([f, v]) => v === null && !f.nillable)
      .map(([f]) => f.name);
    if (cleared.length > 0) return { success: false, id, errors: [requiredFieldsMissing(cleared)] };
    const emailField = p.def.fieldMap.get('email');
    const newEmail = emailField && p.values.has(emailField) ? p.values.get(emailField) : row.Email;
    if (this.isLocked(id, newEmail) || this.isLocked(undefined, row.Email)) {
      return { success: false, id, errors: [LOCK_ERROR] };
    }
    const next: SimRecord = { ...row };
    for (const [f, v] of p.values) next[f.name] = v;
    if ('LastModifiedDate' in next) next.LastModifiedDate = formatDateTime(this.env.now());
    this.env.store.put(p.def, next);
    return { success: true, id };
  }

  /**
   * The stored form of an upsert or by-key value, from the URL or a record: a canonical id, or the value
   * converted to the field's type as Salesforce does (so `5.0` in a URL matches a number field holding 5).
   * A value the type cannot hold is an SfError (MALFORMED_ID, JSON_PARSER_ERROR, INVALID_EMAIL_ADDRESS...).
   */
  keyValue(def: ObjectDef, key: FieldDef, raw: unknown): FieldValue | SfError {
    if (key.type === 'id') return canonicalId(def, String(raw));
    try {
      return this.coerce(def, key, raw);
    } catch (e) {
      if (e instanceof DeserializeError) return e.error;
      throw e;
    }
  }

  /**
   * Upsert on an external-id / idLookup field. The key value comes from the URL (single-record) or
   * from the record itself (collections). Deleted rows never match.
   */
  upsert(p: Prepared, key: FieldDef, rawKey: unknown): WriteResult {
    const keyValue = this.keyValue(p.def, key, rawKey);
    if (keyValue instanceof SfError) return { success: false, errors: [keyValue] };
    if (keyValue === null) {
      return {
        success: false,
        errors: [new SfError('MISSING_ARGUMENT', `${key.name} not specified`, [key.name])],
      };
    }
    const matches = this.findByKey(p.def, key, keyValue);
    if (matches.length > 1) {
      const ids = matches.map((m) => m.Id);
      return {
        success: false,
        status: 300,
        multiple: ids,
        errors: [
          new SfError(
            'DUPLICATE_EXTERNAL_ID',
            `${key.label}: more than one record found for external id field: [${ids.join(', ')}]`,
            [key.name],
          ),
        ],
      };
    }
    if (matches.length === 1) {
      const r = this.applyUpdate(p, matches[0]);
      return r.success ? { ...r, created: false } : r;
    }
    if (key.type === 'id') {
      return {
        success: false,
        status: 404,
        errors: [new SfError('NOT_FOUND', 'The requested resource does not exist')],
      };
    }
    const values = new Map(p.values);
    values.set(key, keyValue);
    const r = this.create({ def: p.def, values, errors: p.errors });
    return r.success ? { ...r, created: true } : r;
  }

  delete(def: ObjectDef, rawId: string): WriteResult {
    const r = this.liveRow(def, rawId);
    if ('fail' in r) return r.fail;
    const { row } = r;
    if (this.isLocked(row.Id, row.Email)) return { success: false, id: row.Id, errors: [LOCK_ERROR] };
    this.env.store.put(def, { ...row, IsDeleted: true });
    return { success: true, id: row.Id };
  }
}
