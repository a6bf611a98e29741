/**
 * Planned writes as sObject-collections requests (salesforce-api.md 1, 2.1): `POST /composite/sobjects` creates,
 * `PATCH /composite/sobjects` updates, `PATCH /composite/sobjects/<Object>/<Field>` upserts by an External ID field,
 * `DELETE /composite/sobjects?ids=...` deletes; at most 200 records and 10 type chunks each, `allOrNone: false`.
 * Several ride in one Composite request (at most 5 collections subrequests), which Salesforce counts as one API call.
 *
 * A record that refers to a record created in the same request (a Task's WhoId on a new Lead) goes in a later
 * subrequest, its field a Composite reference to the created record's id (`@{records0[3].id}`): writes are laid out
 * in waves, each after the waves it refers to.
 */
import { buildJsonRequest } from '../../../../framework/descriptors';
import type { RequestDescriptor } from '../../../../framework/types';
import type { AuthInfo } from '../auth';
import {
  dataUrl,
  MAX_COLLECTIONS_PER_COMPOSITE,
  MAX_RECORDS_PER_COLLECTION,
  MAX_TYPE_CHUNKS_PER_COLLECTION,
  type SalesforceConfig,
} from '../config';
import type { RecordRef } from '../destInfo';
import type { PlannedWrite } from '../plan/state';
import { bearer } from './record';

export type CollectionKind = 'create' | 'update' | 'delete' | 'upsert';

export interface CollectionSubrequest {
  kind: CollectionKind;
  /** Upsert by an External ID field: one object type per request, named in the URL. */
  upsert?: { object: string; field: string };
  writes: PlannedWrite[];
}

const METHOD: Record<CollectionKind, 'POST' | 'PATCH' | 'DELETE'> = {
  create: 'POST',
  update: 'PATCH',
  delete: 'DELETE',
  upsert: 'PATCH',
};

function kindOf(write: PlannedWrite): CollectionKind {
  if (write.upsert) return 'upsert';
  if (!write.id) return 'create';
  return write.delete ? 'delete' : 'update';
}

/** The wave a write goes in: 0, or one after the latest wave it refers to. */
export function waveOf(write: PlannedWrite, memo = new Map<PlannedWrite, number>(), depth = 0): number {
  // Most writes refer to nothing: wave 0, with nothing to remember.
  if (!write.links?.length && depth <= 16) return 0;
  const known = memo.get(write);
  if (known !== undefined) return known;
  if (depth > 16) throw new RangeError('references between records of one request are nested too deep');
  const targets = (write.links ?? []).map((l) => waveOf(l.target, memo, depth + 1) + 1);
  const wave = Math.max(0, ...targets);
  memo.set(write, wave);
  return wave;
}

/** The families of the first wave (most writes), written once. */
const FIRST_WAVE_FAMILIES: Readonly<Record<Exclude<CollectionKind, 'upsert'>, string>> = {
  create: '0|create',
  update: '0|update',
  delete: '0|delete',
};

/**
 * Which subrequest family a write lands in: its wave, its kind, and for an upsert its object and key field. Packing
 * (how many writes fit one Composite request) and layout use this one rule.
 */
export function familyOf(write: PlannedWrite, wave: number): string {
  const kind = kindOf(write);
  if (kind === 'upsert') return `${wave}|upsert|${write.object}|${write.upsert?.field ?? ''}`;
  return wave === 0 ? FIRST_WAVE_FAMILIES[kind] : `${wave}|${kind}`;
}

/**
 * The writes ordered by type (types in `localeCompare` order), each type's records in event order: what a stable
 * sort by type gives, with the few type names compared instead of the records.
 */
function byType(writes: PlannedWrite[]): PlannedWrite[] {
  const buckets = new Map<string, PlannedWrite[]>();
  for (const write of writes) {
    const bucket = buckets.get(write.object);
    if (bucket) bucket.push(write);
    else buckets.set(write.object, [write]);
  }
  if (buckets.size === 1) return writes;
  const types = [...buckets.keys()].sort((a, b) => a.localeCompare(b));
  return types.flatMap((type) => buckets.get(type) as PlannedWrite[]);
}

/** Writes of one family in subrequests of at most 200 records and 10 type chunks, types kept together. */
function chunk(kind: CollectionKind, writes: PlannedWrite[]): CollectionSubrequest[] {
  const sorted = kind === 'upsert' ? writes : byType(writes);
  const out: CollectionSubrequest[] = [];
  let current: CollectionSubrequest | undefined;
  let types = new Set<string>();
  for (const write of sorted) {
    const newType = !types.has(write.object);
    const full = current && current.writes.length >= MAX_RECORDS_PER_COLLECTION;
    if (!current || full || (newType && types.size >= MAX_TYPE_CHUNKS_PER_COLLECTION)) {
      current = { kind, writes: [] };
      if (write.upsert) current.upsert = { object: write.object, field: write.upsert.field };
      types = new Set();
      out.push(current);
    }
    types.add(write.object);
    current.writes.push(write);
  }
  return out;
}

/** Writes grouped by family, families in wave order, then creates, updates, deletes, upserts. */
function families(writes: PlannedWrite[]): { kind: CollectionKind; writes: PlannedWrite[] }[] {
  const memo = new Map<PlannedWrite, number>();
  const order: CollectionKind[] = ['create', 'update', 'delete', 'upsert'];
  const byFamily = new Map<string, { wave: number; kind: CollectionKind; writes: PlannedWrite[] }>();
  for (const write of writes) {
    const wave = waveOf(write, memo);
    const key = familyOf(write, wave);
    const family = byFamily.get(key);
    if (family) family.writes.push(write);
    else byFamily.set(key, { wave, kind: kindOf(write), writes: [write] });
  }
  return [...byFamily.values()].sort(
    (a, b) => a.wave - b.wave || order.indexOf(a.kind) - order.indexOf(b.kind),
  );
}

/** Split writes into collections subrequests, in an order where every reference points at an earlier one. */
export function toSubrequests(writes: PlannedWrite[]): CollectionSubrequest[] {
  return families(writes).flatMap((f) => chunk(f.kind, f.writes));
}

/** For each write of the subrequests, where its result will be. */
export function recordRefs(subrequests: CollectionSubrequest[]): Map<PlannedWrite, RecordRef> {
  const refs = new Map<PlannedWrite, RecordRef>();
  subrequests.forEach((s, sub) => s.writes.forEach((w, rec) => refs.set(w, { sub, rec })));
  return refs;
}

/** A record of a create, update or upsert body; linked fields are Composite references to the created ids. */
function collectionRecord(write: PlannedWrite, refs: Map<PlannedWrite, RecordRef>): Record<string, unknown> {
  const attributes = { type: write.object };
  // A create's body is its placeholders, then its values over them (createBody), spread straight into the record.
  const record: Record<string, unknown> = write.upsert
    ? { attributes, ...write.createDefaults, ...write.fields, [write.upsert.field]: write.upsert.value }
    : write.id
      ? { attributes, id: write.id, ...write.fields }
      : { attributes, ...write.createDefaults, ...write.fields };
  for (const { destKey, target } of write.links ?? []) {
    const at = refs.get(target) as RecordRef;
    record[destKey] = `@{records${at.sub}[${at.rec}].id}`;
  }
  return record;
}

/** Path of a subrequest under the data URL. */
function subrequestPath(s: CollectionSubrequest): string {
  if (s.upsert) return `/composite/sobjects/${s.upsert.object}/${s.upsert.field}`;
  if (s.kind === 'delete') {
    const ids = s.writes.map((w) => encodeURIComponent(w.id ?? '')).join(',');
    return `/composite/sobjects?ids=${ids}&allOrNone=false`;
  }
  return '/composite/sobjects';
}

const bodyOf = (s: CollectionSubrequest, refs: Map<PlannedWrite, RecordRef>) =>
  s.kind === 'delete'
    ? undefined
    : { allOrNone: false, records: s.writes.map((w) => collectionRecord(w, refs)) };

/** One descriptor for up to 5 subrequests: a plain collections call for one, a Composite call for several. */
export function collectionsRequest(
  subrequests: CollectionSubrequest[],
  auth: AuthInfo,
  config: SalesforceConfig,
  refs: Map<PlannedWrite, RecordRef> = recordRefs(subrequests),
): RequestDescriptor {
  if (subrequests.length === 0 || subrequests.length > MAX_COLLECTIONS_PER_COMPOSITE) {
    throw new RangeError(`collectionsRequest takes 1 to ${MAX_COLLECTIONS_PER_COMPOSITE} subrequests`);
  }
  const base = dataUrl(auth.instanceUrl, config.apiVersion);
  const headers = bearer(auth);
  if (subrequests.length === 1) {
    const [only] = subrequests;
    const endpointPath = only.kind === 'delete' ? '/composite/sobjects' : subrequestPath(only);
    return buildJsonRequest({
      method: METHOD[only.kind],
      endpoint: `${base}${subrequestPath(only)}`,
      headers,
      json: bodyOf(only, refs),
      endpointPath,
    });
  }
  const path = new URL(base).pathname;
  const compositeRequest = subrequests.map((s, i) => {
    const body = bodyOf(s, refs);
    return {
      method: METHOD[s.kind],
      url: `${path}${subrequestPath(s)}`,
      referenceId: `records${i}`,
      ...(body ? { body } : {}),
    };
  });
  // Subrequests stay in order: a later one may refer to an earlier one's records, or need its triggers to have run.
  const json = { allOrNone: false, collateSubrequests: false, compositeRequest };
  return buildJsonRequest({
    method: 'POST',
    endpoint: `${base}/composite`,
    headers,
    json,
    endpointPath: '/composite',
  });
}
