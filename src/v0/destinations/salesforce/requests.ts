/**
 * Planned writes → request descriptors.
 *
 * - Single record (default): `POST /sobjects/<Object>` creates, `PATCH /sobjects/<Object>/<Id>` updates (the real
 *   verb, not the reference's `POST ?_HttpMethod=PATCH`).
 * - Native upsert by an External ID field: `PATCH /sobjects/<Object>/<Field>/<Value>`, or in collections
 *   `PATCH /composite/sobjects/<Object>/<Field>` (one type per request): no lookup at all.
 * - sObject collections: `POST /composite/sobjects` creates, `PATCH /composite/sobjects` updates, at most 200 records
 *   and 10 type chunks each, `allOrNone: false`; several of them ride in one Composite request (`/composite`, at most
 *   5 collections subrequests), which Salesforce counts as one API call (salesforce-api.md 1, 2.1).
 */
import { buildJsonRequest } from '../../../framework/descriptors';
import type { RequestDescriptor } from '../../../framework/types';
import type { AuthInfo } from './auth';
import {
  dataUrl,
  MAX_COLLECTIONS_PER_COMPOSITE,
  MAX_RECORDS_PER_COLLECTION,
  MAX_TYPE_CHUNKS_PER_COLLECTION,
  type SalesforceConfig,
} from './config';
import type { RecordRef } from './destInfo';
import type { PlannedWrite } from './plan/state';

function headers(auth: AuthInfo): Record<string, string> {
  return { 'Content-Type': 'application/json', Authorization: `Bearer ${auth.accessToken}` };
}

/** What a create sends: placeholders first, real values over them. */
export function createBody(write: PlannedWrite): Record<string, unknown> {
  return { ...write.createDefaults, ...write.fields };
}

/** Upsert bodies must not carry the External ID field: it is in the URL (salesforce-api.md 3). */
function withoutField(fields: Record<string, unknown>, field: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    if (key.toLowerCase() !== field.toLowerCase()) out[key] = value;
  return out;
}

export function recordRequest(
  write: PlannedWrite,
  auth: AuthInfo,
  config: SalesforceConfig,
): RequestDescriptor {
  const base = `${dataUrl(auth.instanceUrl, config.apiVersion)}/sobjects/${write.object}`;
  if (write.upsert) {
    const { field, value } = write.upsert;
    return buildJsonRequest({
      method: 'PATCH',
      endpoint: `${base}/${field}/${encodeURIComponent(String(value))}`,
      headers: headers(auth),
      json: withoutField(createBody(write), field),
      endpointPath: `/sobjects/${write.object}/${field}`,
    });
  }
  return buildJsonRequest(
    write.id
      ? {
          method: 'PATCH',
          endpoint: `${base}/${encodeURIComponent(write.id)}`,
          headers: headers(auth),
          json: write.fields,
          endpointPath: `/sobjects/${write.object}`,
        }
      : {
          method: 'POST',
          endpoint: base,
          headers: headers(auth),
          json: createBody(write),
          endpointPath: `/sobjects/${write.object}`,
        },
  );
}

export interface CollectionSubrequest {
  method: 'POST' | 'PATCH';
  /** Upsert by an External ID field: one object type per request, named in the URL. */
  upsert?: { object: string; field: string };
  records: Record<string, unknown>[];
  writes: PlannedWrite[];
}

function collectionRecord(write: PlannedWrite): Record<string, unknown> {
  if (write.upsert) {
    return {
      attributes: { type: write.object },
      ...createBody(write),
      [write.upsert.field]: write.upsert.value,
    };
  }
  return write.id
    ? { attributes: { type: write.object }, id: write.id, ...write.fields }
    : { attributes: { type: write.object }, ...createBody(write) };
}

/**
 * Split writes into collections subrequests: creates and updates apart, records of one type together (so the
 * 10-chunk rule holds), at most 200 records and 10 types per subrequest.
 */
export function toSubrequests(writes: PlannedWrite[]): CollectionSubrequest[] {
  const subrequests: CollectionSubrequest[] = [];
  for (const method of ['POST', 'PATCH'] as const) {
    const selected = writes.filter((w) => !w.upsert && (method === 'POST') === !w.id);
    // Stable sort by type keeps each type's records in event order.
    const sorted = selected
      .map((w, i) => ({ w, i }))
      .sort((a, b) => a.w.object.localeCompare(b.w.object) || a.i - b.i)
      .map(({ w }) => w);
    let current: CollectionSubrequest | undefined;
    let types = new Set<string>();
    for (const write of sorted) {
      const newType = !types.has(write.object);
      if (
        !current ||
        current.writes.length >= MAX_RECORDS_PER_COLLECTION ||
        (newType && types.size >= MAX_TYPE_CHUNKS_PER_COLLECTION)
      ) {
        current = { method, records: [], writes: [] };
        types = new Set();
        subrequests.push(current);
      }
      types.add(write.object);
      current.writes.push(write);
      current.records.push(collectionRecord(write));
    }
  }
  const upserts = new Map<string, PlannedWrite[]>();
  for (const write of writes) {
    if (!write.upsert) continue;
    const key = `${write.object}|${write.upsert.field}`;
    const list = upserts.get(key);
    if (list) list.push(write);
    else upserts.set(key, [write]);
  }
  for (const list of upserts.values()) {
    for (let i = 0; i < list.length; i += MAX_RECORDS_PER_COLLECTION) {
      const chunk = list.slice(i, i + MAX_RECORDS_PER_COLLECTION);
      subrequests.push({
        method: 'PATCH',
        upsert: { object: chunk[0].object, field: (chunk[0].upsert as { field: string }).field },
        writes: chunk,
        records: chunk.map(collectionRecord),
      });
    }
  }
  return subrequests;
}

/** Path of a subrequest under the data URL. */
function subrequestPath(s: CollectionSubrequest): string {
  return s.upsert ? `/composite/sobjects/${s.upsert.object}/${s.upsert.field}` : '/composite/sobjects';
}

/** One descriptor for up to 5 subrequests: a plain collections call for one, a Composite call for several. */
export function collectionsRequest(
  subrequests: CollectionSubrequest[],
  auth: AuthInfo,
  config: SalesforceConfig,
): RequestDescriptor {
  if (subrequests.length === 0 || subrequests.length > MAX_COLLECTIONS_PER_COMPOSITE) {
    throw new RangeError(`collectionsRequest takes 1 to ${MAX_COLLECTIONS_PER_COMPOSITE} subrequests`);
  }
  const base = dataUrl(auth.instanceUrl, config.apiVersion);
  if (subrequests.length === 1) {
    const [only] = subrequests;
    return buildJsonRequest({
      method: only.method,
      endpoint: `${base}${subrequestPath(only)}`,
      headers: headers(auth),
      json: { allOrNone: false, records: only.records },
      endpointPath: subrequestPath(only),
    });
  }
  const path = new URL(base).pathname;
  return buildJsonRequest({
    method: 'POST',
    endpoint: `${base}/composite`,
    headers: headers(auth),
    json: {
      allOrNone: false,
      // Keep subrequests in order: a later update may depend on an earlier create's triggers.
      collateSubrequests: false,
      compositeRequest: subrequests.map((s, i) => ({
        method: s.method,
        url: `${path}${subrequestPath(s)}`,
        referenceId: `records${i}`,
        body: { allOrNone: false, records: s.records },
      })),
    },
    endpointPath: '/composite',
  });
}

/** For each write of the subrequests, where its result will be. */
export function recordRefs(subrequests: CollectionSubrequest[]): Map<PlannedWrite, RecordRef> {
  const refs = new Map<PlannedWrite, RecordRef>();
  subrequests.forEach((s, sub) => s.writes.forEach((w, rec) => refs.set(w, { sub, rec })));
  return refs;
}
