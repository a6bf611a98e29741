/**
 * Planned writes → request descriptors.
 *
 * - Single record (default): `POST /sobjects/<Object>` creates, `PATCH /sobjects/<Object>/<Id>` updates (the real
 *   verb, not the reference's `POST ?_HttpMethod=PATCH`).
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
import type { PlannedWrite } from './plan';

function headers(auth: AuthInfo): Record<string, string> {
  return { 'Content-Type': 'application/json', Authorization: `Bearer ${auth.accessToken}` };
}

/** What a create sends: placeholders first, real values over them. */
export function createBody(write: PlannedWrite): Record<string, unknown> {
  return { ...write.createDefaults, ...write.fields };
}

export function recordRequest(
  write: PlannedWrite,
  auth: AuthInfo,
  config: SalesforceConfig,
): RequestDescriptor {
  const base = `${dataUrl(auth.instanceUrl, config.apiVersion)}/sobjects/${write.object}`;
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

/** Where a job's record sits in a collections response: subrequest index and record index. */
export interface RecordRef {
  sub: number;
  rec: number;
}

export interface CollectionSubrequest {
  method: 'POST' | 'PATCH';
  records: Record<string, unknown>[];
  writes: PlannedWrite[];
}

function collectionRecord(write: PlannedWrite): Record<string, unknown> {
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
    const selected = writes.filter((w) => (method === 'POST') === !w.id);
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
  return subrequests;
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
      endpoint: `${base}/composite/sobjects`,
      headers: headers(auth),
      json: { allOrNone: false, records: only.records },
      endpointPath: '/composite/sobjects',
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
        url: `${path}/composite/sobjects`,
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
