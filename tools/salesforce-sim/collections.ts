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

function writeRecords(state: SimState, req: RestRequest, op: Op): RestResponse {
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
  const allOrNone = body.allOrNone === true || req.forceAllOrNone === true;

  let upsertDef: ObjectDef | undefined;
  let keyField: FieldDef | undefined;
  if (op === 'upsert') {
    upsertDef = objectOrThrow(state, req.segments[2]);
    const f = upsertKeyField(upsertDef, req.segments[3]);
    if (!f) {
      throw httpError(
        400,
        'INVALID_FIELD',
        `Field name provided, ${req.segments[3]} is not an External ID or indexed field for ${upsertDef.name}`,
      );
    }
    keyField = f;
  }

  const rows: Row[] = records.map((raw: unknown) => {
    const row: Row = {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      deserializeFailure(
        state,
        row,
        new SfError('JSON_PARSER_ERROR', 'Cannot deserialize instance of SObject from non-object value'),
      );
      return row;
    }
    const rec = raw as Record<string, unknown>;
    const attrs = rec.attributes;
    const typeName =
      attrs !== null &&
      typeof attrs === 'object' &&
      typeof (attrs as Record<string, unknown>).type === 'string'
        ? ((attrs as Record<string, unknown>).type as string)
        : undefined;
    if (typeName === undefined) {
      deserializeFailure(state, row, new SfError('INVALID_TYPE', 'Must send a concrete entity type.'));
      return row;
    }
    const def = state.schema.object(typeName);
    if (!def || (upsertDef && def !== upsertDef)) {
      const msg = def
        ? `Record type ${def.name} does not match the upsert object ${upsertDef?.name ?? ''}`
        : `sObject type '${typeName}' is not supported.`;
      deserializeFailure(state, row, new SfError('INVALID_TYPE', msg));
      return row;
    }
    row.def = def;
    const skip = new Set(['attributes']);
    if (op === 'update') {
      skip.add('id');
      row.key = rec.id ?? rec.Id;
      for (const k of Object.keys(rec)) if (k.toLowerCase() === 'id') row.key = rec[k];
    }
    if (op === 'upsert' && keyField) {
      skip.add(keyField.name.toLowerCase());
      for (const k of Object.keys(rec)) if (k.toLowerCase() === keyField.name.toLowerCase()) row.key = rec[k];
    }
    try {
      row.prepared = state.dml.prepare(def, rec, op === 'update' ? 'update' : 'create', skip);
    } catch (e) {
      if (!(e instanceof DeserializeError)) throw e;
      deserializeFailure(state, row, e.error);
    }
    return row;
  });

  if (op !== 'upsert') {
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

  if (op === 'upsert') {
    const seen = new Map<string, number[]>();
    rows.forEach((r, i) => {
      if (r.key === undefined || r.key === null || r.key === '' || typeof r.key === 'object') return;
      const k = String(r.key).toLowerCase();
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

  return execute(state, rows.length, allOrNone, op, (i) => {
    const row = rows[i];
    if (row.error || !row.prepared || !row.def) {
      return {
        success: false,
        errors: [row.error ?? new SfError('UNKNOWN_EXCEPTION', 'record could not be read')],
      };
    }
    if (op === 'create') return state.dml.create(row.prepared);
    if (op === 'update') {
      if (typeof row.key !== 'string' || row.key === '') {
        return {
          success: false,
          errors: [new SfError('MISSING_ARGUMENT', 'Id not specified in an update call', [])],
        };
      }
      return state.dml.update(row.prepared, row.key);
    }
    if (!keyField) throw new Error('unreachable');
    if (row.key === undefined || row.key === null || row.key === '') {
      return {
        success: false,
        errors: [new SfError('MISSING_ARGUMENT', `${keyField.name} not specified`, [keyField.name])],
      };
    }
    return state.dml.upsert(row.prepared, keyField, row.key);
  });
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
