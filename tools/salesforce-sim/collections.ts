/** sObject Collections: create / update / upsert / delete / retrieve up to 200 records per call. */
import {
  asObject,
  fieldsParam,
  methodNotAllowed,
  objectOrThrow,
  projectRecord,
  type RestRequest,
  type RestResponse,
  versionNumber,
} from './common';
import type { Prepared, WriteResult } from './dml';
import { DeserializeError, HttpError, httpError, notFound, ROLLED_BACK, SfError } from './errors';
import { normalizeId } from './ids';
import { upsertKeyField, type FieldDef, type ObjectDef } from './schema';
import type { SimState } from './state';
import { indexKey } from './store';
import type { FieldValue } from './types';

const MAX_RECORDS = 200;
const MAX_CHUNKS = 10;

type Op = 'create' | 'update' | 'upsert';

interface Row {
  def?: ObjectDef;
  prepared?: Prepared;
  /** Error found before any write (deserialisation in 'record' mode, duplicate external id...). */
  error?: SfError;
  /** Update: the raw id; upsert: the raw external-id value. */
  key?: unknown;
  /** Upsert: the key converted to the key field's type, when it converts. */
  keyValue?: FieldValue;
}

function tooMany(): HttpError {
  return httpError(
    400,
    'EXCEEDED_ID_LIMIT',
    'record limit reached. cannot submit more than 200 records into this call',
  );
}

function deserializeFailure(state: SimState, row: Row, err: SfError): void {
  if (state.collectionsDeserializeErrors === 'request') throw new HttpError(400, [err.toSingle()]);
  row.error = err;
}

function itemResult(r: WriteResult, op: Op | 'delete'): Record<string, unknown> {
  if (r.success) {
    const out: Record<string, unknown> = { id: r.id, success: true, errors: [] };
    if (op === 'upsert') out.created = r.created === true;
    return out;
  }
  const out: Record<string, unknown> = {};
  if (r.id !== undefined) out.id = r.id;
  out.success = false;
  out.errors = r.errors.map((e) => e.toItem());
  if (op === 'upsert') out.created = false;
  return out;
}

/** Collections report an unknown id per record as ENTITY_IS_DELETED rather than 404 NOT_FOUND. */
function perRecord(r: WriteResult): WriteResult {
  if (r.success || r.errors[0]?.errorCode !== 'NOT_FOUND') return r;
  return { ...r, errors: [new SfError('ENTITY_IS_DELETED', 'entity is deleted')] };
}

/** Runs the writes; on failure with allOrNone rolls everything back and marks the other rows. */
function execute(
  state: SimState,
  count: number,
  allOrNone: boolean,
  op: Op | 'delete',
  run: (i: number) => WriteResult,
): RestResponse {
  const sp = state.store.savepoint();
  const results: WriteResult[] = [];
  for (let i = 0; i < count; i++) results.push(perRecord(run(i)));
  if (allOrNone && results.some((r) => !r.success)) {
    state.store.rollbackTo(sp);
    return {
      status: 200,
      body: results.map((r) => {
        if (!r.success) return itemResult(r, op);
        const id = op === 'create' || (op === 'upsert' && r.created === true) ? undefined : r.id;
        return itemResult({ success: false, id, errors: [ROLLED_BACK] }, op);
      }),
    };
  }
  return { status: 200, body: results.map((r) => itemResult(r, op)) };
}

export function handleCollections(state: SimState, req: RestRequest): RestResponse {
  const { method, segments } = req;
  if (versionNumber(req.version) < 42) throw notFound();
  if (segments.length === 2) {
    if (method === 'POST') return writeRecords(state, req, 'create');
    if (method === 'PATCH') return writeRecords(state, req, 'update');
    if (method === 'DELETE') return deleteRecords(state, req);
    throw methodNotAllowed(method, 'POST,PATCH,DELETE');
  }
  if (segments.length === 4) {
    if (versionNumber(req.version) < 46) throw notFound();
    if (method !== 'PATCH') throw methodNotAllowed(method, 'PATCH');
    return writeRecords(state, req, 'upsert');
  }
  throw notFound();
}

/** The body of a Collections write: the records array and the allOrNone flag (forced by a composite). */
function readWriteBody(req: RestRequest): { records: unknown[]; allOrNone: boolean } {
  const body = asObject(req.body);
  const records = body.records;
  if (!Array.isArray(records)) {
    throw httpError(
      400,
      'JSON_PARSER_ERROR',
      "Cannot deserialize instance of SObject[]: the 'records' array is required",
    );
  }
  if (body.allOrNone !== undefined && typeof body.allOrNone !== 'boolean') {
    throw httpError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of boolean from value ${JSON.stringify(body.allOrNone)}`,
    );
  }
  if (records.length > MAX_RECORDS) throw tooMany();
  return { records, allOrNone: body.allOrNone === true || req.forceAllOrNone === true };
}

/** What an upsert writes to: the object and key field named in the URL. */
interface UpsertTarget {
  def: ObjectDef;
  keyField: FieldDef;
}

function upsertTarget(state: SimState, req: RestRequest): UpsertTarget {
  const def = objectOrThrow(state, req.segments[2]);
  const keyField = upsertKeyField(def, req.segments[3]);
  if (!keyField) {
    throw httpError(
      400,
      'INVALID_FIELD',
      `Field name provided, ${req.segments[3]} is not an External ID or indexed field for ${def.name}`,
    );
  }
  return { def, keyField };
}

function attributesType(rec: Record<string, unknown>): string | undefined {
  const attrs = rec.attributes;
  if (attrs === null || typeof attrs !== 'object') return undefined;
  const type = (attrs as Record<string, unknown>).type;
  return typeof type === 'string' ? type : undefined;
}

/** The record's object from `attributes.type`, or the deserialisation error that rejects it. */
function rowObject(
  state: SimState,
  rec: Record<string, unknown>,
  target: UpsertTarget | undefined,
): ObjectDef | SfError {
  const typeName = attributesType(rec);
  if (typeName === undefined) return new SfError('INVALID_TYPE', 'Must send a concrete entity type.');
  const def = state.schema.object(typeName);
  if (def && (!target || def === target.def)) return def;
  const msg = def
    ? `Record type ${def.name} does not match the upsert object ${target?.def.name ?? ''}`
    : `sObject type '${typeName}' is not supported.`;
  return new SfError('INVALID_TYPE', msg);
}

/** The value of `name` in the record, matching the key in any letter case. */
function valueOf(rec: Record<string, unknown>, name: string): unknown {
  let out: unknown;
  for (const k of Object.keys(rec)) if (k.toLowerCase() === name.toLowerCase()) out = rec[k];
  return out;
}

/** Reads one record: its object, its key (update id / upsert value) and its prepared field values. */
function readRow(state: SimState, raw: unknown, op: Op, target: UpsertTarget | undefined): Row {
  const row: Row = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const err = new SfError(
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of SObject from non-object value',
    );
    deserializeFailure(state, row, err);
    return row;
  }
  const rec = raw as Record<string, unknown>;
  const def = rowObject(state, rec, target);
  if (def instanceof SfError) {
    deserializeFailure(state, row, def);
    return row;
  }
  row.def = def;
  const skip = new Set(['attributes']);
  if (op === 'update') {
    skip.add('id');
    row.key = valueOf(rec, 'id');
  }
  if (target) skip.add(target.keyField.name.toLowerCase());
  try {
    row.prepared = state.dml.prepare(def, rec, op === 'update' ? 'update' : 'create', skip);
  } catch (e) {
    if (!(e instanceof DeserializeError)) throw e;
    deserializeFailure(state, row, e.error);
  }
  if (target) readUpsertKey(state, row, def, target.keyField, rec);
  return row;
}

/** The upsert key: a value of the wrong JSON type is a deserialisation error, like any other field's. */
function readUpsertKey(
  state: SimState,
  row: Row,
  def: ObjectDef,
  keyField: FieldDef,
  rec: Record<string, unknown>,
): void {
  row.key = valueOf(rec, keyField.name);
  if (row.key === undefined || row.key === null || row.key === '') return;
  try {
    const v = state.dml.coerce(def, keyField, row.key, false);
    if (!(v instanceof SfError)) row.keyValue = v;
  } catch (e) {
    if (!(e instanceof DeserializeError)) throw e;
    if (!row.error) deserializeFailure(state, row, e.error);
  }
}

/** A new chunk starts each time the record type changes; a request may hold at most 10. */
function checkChunks(rows: Row[]): void {
  let chunks = 0;
  let last: ObjectDef | undefined;
  for (const r of rows) {
    if (r.def && r.def !== last) {
      chunks++;
      last = r.def;
    }
  }
  if (chunks > MAX_CHUNKS) {
    throw httpError(
      400,
      'EXCEEDED_MAX_TYPES_LIMIT',
      'Cannot have more than 10 chunks in a single operation. Please rearrange the data to reduce chunking.',
    );
  }
}

/** What two rows share when they name the same record: the converted key (so 5 and "5.0" agree), else the raw text. */
function duplicateKey(r: Row): string | null {
  if (r.keyValue !== undefined) return indexKey(r.keyValue);
  if (r.key === undefined || r.key === null || r.key === '' || typeof r.key === 'object') return null;
  return String(r.key).toLowerCase();
}

/** Every row of an upsert that shares its external-id value with another row fails with DUPLICATE_VALUE. */
function markDuplicateKeys(rows: Row[]): void {
  const seen = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const k = duplicateKey(r);
    if (k === null) return;
    const list = seen.get(k) ?? [];
    list.push(i);
    seen.set(k, list);
  });
  for (const list of seen.values()) {
    if (list.length < 2) continue;
    for (const i of list) {
      rows[i].error = new SfError(
        'DUPLICATE_VALUE',
        `Duplicate external id specified: ${String(rows[i].key)}`,
      );
    }
  }
}

function failed(error: SfError): WriteResult {
  return { success: false, errors: [error] };
}

function writeRow(state: SimState, row: Row, op: Op, target: UpsertTarget | undefined): WriteResult {
  if (row.error || !row.prepared || !row.def) {
    return failed(row.error ?? new SfError('UNKNOWN_EXCEPTION', 'record could not be read'));
  }
  if (op === 'create') return state.dml.create(row.prepared);
  if (op === 'update') {
    if (typeof row.key !== 'string' || row.key === '') {
      return failed(new SfError('MISSING_ARGUMENT', 'Id not specified in an update call', []));
    }
    return state.dml.update(row.prepared, row.key);
  }
  if (!target) throw new Error('unreachable: an upsert always has a target');
  const { keyField } = target;
  if (row.key === undefined || row.key === null || row.key === '') {
    return failed(new SfError('MISSING_ARGUMENT', `${keyField.name} not specified`, [keyField.name]));
  }
  return state.dml.upsert(row.prepared, keyField, row.key);
}

function writeRecords(state: SimState, req: RestRequest, op: Op): RestResponse {
  const { records, allOrNone } = readWriteBody(req);
  const target = op === 'upsert' ? upsertTarget(state, req) : undefined;
  const rows = records.map((raw) => readRow(state, raw, op, target));
  if (op === 'upsert') markDuplicateKeys(rows);
  else checkChunks(rows);
  return execute(state, rows.length, allOrNone, op, (i) => writeRow(state, rows[i], op, target));
}

function deleteRecords(state: SimState, req: RestRequest): RestResponse {
  const idsParam = req.query.get('ids');
  if (idsParam === null || idsParam.trim() === '') {
    throw httpError(400, 'MISSING_ARGUMENT', 'The ids parameter is required');
  }
  const ids = idsParam.split(',').map((s) => s.trim());
  if (ids.length > MAX_RECORDS) throw tooMany();
  const allOrNone = req.query.get('allOrNone') === 'true' || req.forceAllOrNone === true;
  return execute(state, ids.length, allOrNone, 'delete', (i) => {
    const raw = ids[i];
    const id = normalizeId(raw);
    const def = id ? state.schema.objectByPrefix(id.slice(0, 3)) : undefined;
    if (!id || !def) {
      return { success: false, errors: [new SfError('MALFORMED_ID', `malformed id ${raw}`, [])] };
    }
    return state.dml.delete(def, id);
  });
}

/** GET composite/sobjects/{Obj}?ids=&fields= and POST composite/sobjects/{Obj} {ids, fields}. */
export function handleCollectionsRetrieve(state: SimState, req: RestRequest): RestResponse {
  const def = objectOrThrow(state, req.segments[2]);
  let ids: string[];
  let fieldsRaw: string | null;
  if (req.method === 'GET') {
    ids = (req.query.get('ids') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    fieldsRaw = req.query.get('fields');
    if (ids.length > 800) throw httpError(414, 'URI_TOO_LONG', 'URI Too Long');
  } else {
    const body = asObject(req.body);
    if (!Array.isArray(body.ids) || !Array.isArray(body.fields)) {
      throw httpError(400, 'JSON_PARSER_ERROR', "The 'ids' and 'fields' arrays are required");
    }
    ids = body.ids.map((x: unknown) => String(x));
    fieldsRaw = body.fields.map((x: unknown) => String(x)).join(',');
    if (ids.length > 2000) {
      throw httpError(
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 2000 records into this call',
      );
    }
  }
  if (ids.length === 0) throw httpError(400, 'MISSING_ARGUMENT', 'The ids parameter is required');
  if (fieldsRaw === null || fieldsRaw.trim() === '') {
    throw httpError(400, 'MISSING_ARGUMENT', 'The fields parameter is required');
  }
  const fields = fieldsParam(def, fieldsRaw);
  return {
    status: 200,
    body: ids.map((raw) => {
      const id = normalizeId(raw);
      const row = id && id.startsWith(def.keyPrefix) ? state.store.row(def, id) : undefined;
      return row && row.IsDeleted !== true ? projectRecord(def, row, fields, req.version) : null;
    }),
  };
}
