/** REST resources under /services/data/vXX.X/. Pure request -> response functions (no sockets). */
import {
  asObject,
  fieldsParam,
  methodNotAllowed,
  objectOrThrow,
  projectRecord,
  recordUrl,
  type RestRequest,
  type RestResponse,
  versionNumber,
} from './common';
import { DeserializeError, HttpError, httpError, notFound, SfError } from './errors';
import { type Prepared, type WriteResult } from './dml';
import {
  type FieldDef,
  type ObjectDef,
  describeGlobalEntry,
  describeObject,
  STRING_TYPES,
  upsertKeyField,
} from './schema';
import { type CompiledQuery, compileQuery, parseSoql, sortRecords } from './soql';
import type { SimState } from './state';
import type { EndpointKind, SimRecord } from './types';
import { handleCollections, handleCollectionsRetrieve } from './collections';
import { handleComposite } from './composite';

export const MIN_VERSION = 31;
export const MAX_VERSION = 68;

export function versionSupported(v: string): boolean {
  const m = /^(\d+)\.0$/.exec(v);
  if (!m) return false;
  const n = Number(m[1]);
  return n >= MIN_VERSION && n <= MAX_VERSION;
}

const RELEASES = ['Summer', 'Winter', 'Spring'];

/** The GET /services/data/ list: [{label, url, version}] from v31.0 (Summer '14) to v68.0. */
export function versionsList(): { label: string; url: string; version: string }[] {
  const out: { label: string; url: string; version: string }[] = [];
  for (let v = MIN_VERSION; v <= MAX_VERSION; v++) {
    const k = v - MIN_VERSION;
    const season = RELEASES[k % 3];
    const year = 14 + Math.floor(k / 3) + (season === 'Summer' ? 0 : 1);
    out.push({
      label: `${season} '${String(year).padStart(2, '0')}`,
      url: `/services/data/v${v}.0`,
      version: `${v}.0`,
    });
  }
  return out;
}

/** The endpoint kind used for metering, decided from method and path only. */
export function classify(method: string, seg: string[]): EndpointKind {
  const [a, b, c, d] = seg;
  switch (a) {
    case 'query':
    case 'queryAll':
      return 'query';
    case 'parameterizedSearch':
    case 'search':
      return 'search';
    case 'limits':
      return 'limits';
    case 'composite':
      if (b === undefined) return 'composite';
      if (b === 'sobjects') {
        if (method === 'POST' && c === undefined) return 'collections-create';
        if (method === 'PATCH' && c === undefined) return 'collections-update';
        if (method === 'PATCH' && d !== undefined) return 'collections-upsert';
        if (method === 'DELETE') return 'collections-delete';
        return 'collections-get';
      }
      return 'other';
    case 'sobjects':
      if (b === undefined) return 'describe';
      if (c === undefined) return method === 'POST' ? 'sobject-create' : 'describe';
      if (c === 'describe' && d === undefined) return 'describe';
      if (d !== undefined) {
        if (method === 'PATCH' || method === 'POST') return 'sobject-upsert';
        if (method === 'DELETE') return 'sobject-delete';
        return 'sobject-get';
      }
      if (method === 'PATCH') return 'sobject-update';
      if (method === 'DELETE') return 'sobject-delete';
      if (method === 'POST' && c.toLowerCase() === 'id') return 'sobject-create';
      return 'sobject-get';
    default:
      return 'other';
  }
}

/** Single-record write result -> HTTP response. */
function writeResponse(
  r: WriteResult,
  ok: (id: string, created: boolean | undefined) => RestResponse,
  req: RestRequest,
  def: ObjectDef,
): RestResponse {
  if (r.success) return ok(r.id, r.created);
  if (r.multiple) return { status: 300, body: r.multiple.map((id) => recordUrl(req.version, def.name, id)) };
  return { status: r.status ?? 400, body: r.errors.map((e) => e.toSingle()) };
}

function prepareSingle(state: SimState, def: ObjectDef, body: unknown, op: 'create' | 'update'): Prepared {
  try {
    return state.dml.prepare(def, asObject(body), op);
  } catch (e) {
    if (e instanceof DeserializeError) throw new HttpError(400, [e.error.toSingle()]);
    throw e;
  }
}

// ----------------------------------------------------------------------------------- sobjects

function handleSobjects(state: SimState, req: RestRequest): RestResponse {
  const [, objName, third, fourth] = req.segments;
  if (req.segments.length > 4) throw notFound();
  if (objName === undefined) return globalDescribe(state, req);
  const def = objectOrThrow(state, objName);
  if (third === undefined) return objectRoot(state, req, def);
  if (fourth === undefined && third === 'describe') {
    if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET,HEAD');
    return { status: 200, body: describeObject(def, req.version) };
  }
  if (fourth === undefined) return recordById(state, req, def, third);
  const key = upsertKeyField(def, third);
  if (!key) throw notFound();
  if (req.method === 'PATCH' || req.method === 'POST') return upsertByKey(state, req, def, key, fourth);
  return recordByKey(state, req, def, key, fourth);
}

/** GET sobjects: every object's describe-global entry. */
function globalDescribe(state: SimState, req: RestRequest): RestResponse {
  if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET,HEAD');
  return {
    status: 200,
    body: {
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: state.schema.objects().map((o) => describeGlobalEntry(o, req.version)),
    },
  };
}

/** sobjects/{Obj}: GET is the basic info, POST creates. */
function objectRoot(state: SimState, req: RestRequest, def: ObjectDef): RestResponse {
  if (req.method === 'GET') {
    const d = describeObject(def, req.version);
    delete d.fields;
    return { status: 200, body: { objectDescribe: d, recentItems: [] } };
  }
  if (req.method === 'POST') return createSingle(state, req, def);
  throw methodNotAllowed(req.method, 'GET,HEAD,POST');
}

/** sobjects/{Obj}/{id}: GET, PATCH, DELETE; POST sobjects/{Obj}/Id always creates. */
function recordById(state: SimState, req: RestRequest, def: ObjectDef, rawId: string): RestResponse {
  const { method } = req;
  if (method === 'POST' && rawId.toLowerCase() === 'id') return createSingle(state, req, def);
  if (method === 'GET') return readById(state, req, def, rawId);
  if (method === 'PATCH') {
    const p = prepareSingle(state, def, req.body, 'update');
    return writeResponse(state.dml.update(p, rawId), () => ({ status: 204 }), req, def);
  }
  if (method === 'DELETE') {
    return writeResponse(state.dml.delete(def, rawId), () => ({ status: 204 }), req, def);
  }
  throw methodNotAllowed(method, 'GET,HEAD,PATCH,DELETE');
}

function readById(state: SimState, req: RestRequest, def: ObjectDef, rawId: string): RestResponse {
  const r = state.dml.resolveId(def, rawId);
  if ('fail' in r) return writeResponse(r.fail, () => ({ status: 200 }), req, def);
  const row = state.store.row(def, r.id);
  if (!row) throw notFound();
  if (row.IsDeleted === true) throw httpError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  return {
    status: 200,
    body: projectRecord(def, row, fieldsParam(def, req.query.get('fields')), req.version),
  };
}

/** An upsert body may name neither Id nor the key field: the key goes in the URL. */
function upsertBodyError(body: Record<string, unknown>, key: FieldDef): RestResponse | undefined {
  for (const k of Object.keys(body)) {
    const lower = k.toLowerCase();
    if (lower !== 'id' && lower !== key.name.toLowerCase()) continue;
    const field = lower === 'id' ? 'Id' : key.name;
    const message = `Field ${field} is not allowed in the request body of an upsert by ${key.name}; the external id goes in the URL`;
    return { status: 400, body: [new SfError('INVALID_FIELD', message, [field]).toSingle()] };
  }
  return undefined;
}

/** 201 on create; on update 200 with `created:false` from v46, 204 before. */
function upsertAnswer(version: string): (id: string, created: boolean | undefined) => RestResponse {
  const modern = versionNumber(version) >= 46;
  return (id, created) => {
    if (created) {
      const body = modern
        ? { id, success: true, errors: [], created: true }
        : { id, success: true, errors: [] };
      return { status: 201, body };
    }
    return modern
      ? { status: 200, body: { id, success: true, errors: [], created: false } }
      : { status: 204 };
  };
}

/** PATCH (or POST) sobjects/{Obj}/{ExternalIdField}/{value}. */
function upsertByKey(
  state: SimState,
  req: RestRequest,
  def: ObjectDef,
  key: FieldDef,
  rawKey: string,
): RestResponse {
  const body = asObject(req.body);
  const bodyError = upsertBodyError(body, key);
  if (bodyError) return bodyError;
  const p = prepareSingle(state, def, body, 'create');
  // Fields that are createable but not updateable are rejected when the upsert turns into an update.
  return writeResponse(state.dml.upsert(p, key, rawKey), upsertAnswer(req.version), req, def);
}

/** GET / DELETE sobjects/{Obj}/{ExternalIdField}/{value}: 300 when several rows match. */
function recordByKey(
  state: SimState,
  req: RestRequest,
  def: ObjectDef,
  key: FieldDef,
  rawKey: string,
): RestResponse {
  const matches = matchByKey(state, def, key, rawKey);
  if (matches.length === 0) throw notFound();
  if (matches.length > 1) {
    return { status: 300, body: matches.map((m) => recordUrl(req.version, def.name, m.Id)) };
  }
  if (req.method === 'GET') {
    return {
      status: 200,
      body: projectRecord(def, matches[0], fieldsParam(def, req.query.get('fields')), req.version),
    };
  }
  if (req.method === 'DELETE') {
    return writeResponse(state.dml.delete(def, matches[0].Id), () => ({ status: 204 }), req, def);
  }
  throw methodNotAllowed(req.method, 'GET,HEAD,PATCH,DELETE');
}

/** The live rows whose key field holds the URL value, converted to the field's type first (none if it cannot be). */
function matchByKey(state: SimState, def: ObjectDef, key: FieldDef, raw: string): SimRecord[] {
  const value = state.dml.keyValue(def, key, raw);
  return value === null || value instanceof SfError ? [] : state.dml.findByKey(def, key, value);
}

function createSingle(state: SimState, req: RestRequest, def: ObjectDef): RestResponse {
  const p = prepareSingle(state, def, req.body, 'create');
  return writeResponse(
    state.dml.create(p),
    (id) => ({ status: 201, body: { id, success: true, errors: [] } }),
    req,
    def,
  );
}

// ----------------------------------------------------------------------------------- query

function batchSizeOf(req: RestRequest): number {
  const h = req.headers['sforce-query-options'];
  const m = h ? /batchSize\s*=\s*(\d+)/i.exec(h) : null;
  if (!m) return 2000;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

function handleQuery(state: SimState, req: RestRequest): RestResponse {
  if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET,HEAD');
  const [kind, locator] = req.segments;
  if (req.segments.length > 2) throw notFound();
  if (locator !== undefined) return queryMore(state, req, locator);
  const soql = req.query.get('q');
  if (soql === null || soql.trim() === '')
    throw httpError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  if (soql.length > 100_000)
    throw httpError(400, 'MALFORMED_QUERY', 'Query string too long (max 100000 characters)');
  const compiled = compileQuery(soql, parseSoql(soql), state.schema);
  const rows = matchingRows(state, compiled, kind === 'queryAll');
  if (compiled.count) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
  const projected = rows.map((r) => projectRecord(compiled.def, r, compiled.fields, req.version));
  const batchSize = batchSizeOf(req);
  if (projected.length <= batchSize) {
    return { status: 200, body: { totalSize: projected.length, done: true, records: projected } };
  }
  const id = state.saveCursor({
    objectName: compiled.def.name,
    rows: projected,
    version: req.version,
    batchSize,
  });
  return { status: 200, body: queryPage(projected, 0, batchSize, id, req.version) };
}

/** query/{locator}: the next page of a saved result. */
function queryMore(state: SimState, req: RestRequest, locator: string): RestResponse {
  const m = /^(01gSIM[0-9A-Z]+)-(\d+)$/.exec(locator);
  const cursor = m ? state.cursor(m[1]) : undefined;
  if (!m || !cursor) throw httpError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  return { status: 200, body: queryPage(cursor.rows, Number(m[2]), cursor.batchSize, m[1], req.version) };
}

/** The rows the query returns: filtered, sorted, offset and limited. */
function matchingRows(state: SimState, compiled: CompiledQuery, includeDeleted: boolean): SimRecord[] {
  const source = compiled.candidates
    ? indexedRows(state, compiled, compiled.candidates)
    : state.store.rows(compiled.def);
  let rows: SimRecord[] = [];
  for (const r of source) {
    if (!includeDeleted && r.IsDeleted === true) continue;
    if (compiled.predicate(r)) rows.push(r);
  }
  sortRecords(rows, compiled.orderBy);
  if (compiled.offset !== undefined) rows = rows.slice(compiled.offset);
  if (compiled.limit !== undefined) rows = rows.slice(0, compiled.limit);
  return rows;
}

/** The rows an index finds for an equality or IN, in creation order unless the query sorts them. */
function indexedRows(
  state: SimState,
  compiled: CompiledQuery,
  candidates: NonNullable<CompiledQuery['candidates']>,
): SimRecord[] {
  const { def } = compiled;
  const { store } = state;
  const found = new Map<string, SimRecord>();
  for (const v of candidates.values) {
    if (v === null) continue;
    // Id values are already canonical (compileQuery normalised them); other fields go through their index.
    const ids = candidates.field === 'Id' ? [String(v)] : (store.lookup(def, candidates.field, v) ?? []);
    for (const id of ids) {
      const row = store.row(def, id);
      if (row && !found.has(row.Id)) found.set(row.Id, row);
    }
  }
  const rows = [...found.values()];
  // Without ORDER BY, keep creation order, as a full scan would.
  if (compiled.orderBy.length === 0) {
    rows.sort((a, b) => store.insertionOrder(def, a.Id) - store.insertionOrder(def, b.Id));
  }
  return rows;
}

function queryPage(
  rows: Record<string, unknown>[],
  from: number,
  batchSize: number,
  cursorId: string,
  version: string,
): Record<string, unknown> {
  const page = rows.slice(from, from + batchSize);
  const next = from + batchSize;
  const done = next >= rows.length;
  const body: Record<string, unknown> = { totalSize: rows.length, done, records: page };
  if (!done) body.nextRecordsUrl = `/services/data/v${version}/query/${cursorId}-${next}`;
  return body;
}

// ----------------------------------------------------------------------------------- search

function handleSearch(state: SimState, req: RestRequest): RestResponse {
  if (req.segments[0] !== 'parameterizedSearch' || req.segments.length > 1) throw notFound();
  if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET,HEAD');
  const qRaw = req.query.get('q');
  if (qRaw === null || qRaw.trim() === '')
    throw httpError(400, 'MISSING_ARGUMENT', 'Missing or empty search string');
  const term = qRaw.replace(/\\(.)/g, '$1').trim().toLowerCase();
  if (term.replace(/[*?]/g, '').length < 2) {
    throw httpError(400, 'INVALID_SEARCH', 'search term must be longer than one character');
  }
  const scope = (req.query.get('in') ?? 'ALL').toUpperCase();
  const objectNames = req.query.getAll('sobject');
  const defs =
    objectNames.length > 0
      ? objectNames.map((n) => {
          const d = state.schema.object(n);
          if (!d) throw httpError(400, 'INVALID_TYPE', `sObject type '${n}' is not supported.`);
          return d;
        })
      : state.schema.objects();
  const overallLimit = Math.min(2000, Number(req.query.get('overallLimit') ?? '2000') || 2000);
  const now = state.now();
  const out: Record<string, unknown>[] = [];
  for (const def of defs) {
    const fieldsRaw = findParam(req.query, `${def.name}.fields`);
    const fields = fieldsRaw ? fieldsParam(def, fieldsRaw) : [def.fieldMap.get('id') as FieldDef];
    const limit = Number(findParam(req.query, `${def.name}.limit`) ?? '2000') || 2000;
    const searchable = def.fields.filter((f) => {
      if (!STRING_TYPES.has(f.type)) return false;
      if (scope === 'EMAIL') return f.type === 'email';
      if (scope === 'PHONE') return f.type === 'phone';
      if (scope === 'NAME') return ['Name', 'FirstName', 'LastName', 'Company'].includes(f.name);
      return true;
    });
    let n = 0;
    for (const row of state.store.rows(def)) {
      if (n >= limit || out.length >= overallLimit) break;
      if (row.IsDeleted === true) continue;
      if (state.searchIndexLagMs > 0 && now - state.store.writtenAt(def, row.Id) < state.searchIndexLagMs)
        continue;
      if (
        searchable.some(
          (f) => typeof row[f.name] === 'string' && (row[f.name] as string).toLowerCase().includes(term),
        )
      ) {
        out.push(projectRecord(def, row, fields, req.version));
        n++;
      }
    }
  }
  return { status: 200, body: { searchRecords: out } };
}

function findParam(q: URLSearchParams, name: string): string | null {
  const lower = name.toLowerCase();
  for (const [k, v] of q) if (k.toLowerCase() === lower) return v;
  return null;
}

// ----------------------------------------------------------------------------------- router

export function handleRest(state: SimState, req: RestRequest): RestResponse {
  const [a, b] = req.segments;
  switch (a) {
    case undefined: {
      if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET,HEAD');
      const base = `/services/data/v${req.version}`;
      const names = ['sobjects', 'query', 'queryAll', 'parameterizedSearch', 'limits', 'composite'];
      return { status: 200, body: Object.fromEntries(names.map((n) => [n, `${base}/${n}`])) };
    }
    case 'limits': {
      if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET,HEAD');
      const { used, max } = state.apiUsage();
      const fixed = (m: number): { Max: number; Remaining: number } => ({ Max: m, Remaining: m });
      return {
        status: 200,
        body: {
          DailyApiRequests: { Max: max, Remaining: Math.max(0, max - used) },
          DailyBulkApiBatches: fixed(15000),
          DailyBulkV2QueryFileStorageMB: fixed(976562),
          DailyBulkV2QueryJobs: fixed(10000),
          ConcurrentAsyncGetReportInstances: fixed(200),
          DataStorageMB: fixed(5),
          FileStorageMB: fixed(20),
        },
      };
    }
    case 'query':
    case 'queryAll':
      return handleQuery(state, req);
    case 'parameterizedSearch':
    case 'search':
      return handleSearch(state, req);
    case 'sobjects':
      return handleSobjects(state, req);
    case 'composite':
      if (b === undefined) return handleComposite(state, req);
      if (b === 'sobjects') {
        if (req.segments.length === 3 && (req.method === 'GET' || req.method === 'POST')) {
          return handleCollectionsRetrieve(state, req);
        }
        return handleCollections(state, req);
      }
      throw notFound();
    default:
      throw notFound();
  }
}
