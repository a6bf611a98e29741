/**
 * A planned write as a single-record request (the default write mode, and every `dontBatch` job):
 * `POST /sobjects/<Object>` creates, `PATCH /sobjects/<Object>/<Id>` updates (the real verb, not the reference's
 * `POST ?_HttpMethod=PATCH`), `DELETE /sobjects/<Object>/<Id>` deletes, and `PATCH /sobjects/<Object>/<Field>/<Value>`
 * upserts by an External ID field with no lookup (salesforce-api.md 3).
 */
import { buildJsonRequest } from '../../../../framework/descriptors';
import { spreadBoth } from '../../../../framework/objects';
import type { RequestDescriptor } from '../../../../framework/types';
import type { AuthInfo } from '../auth';
import { dataUrl, type SalesforceConfig } from '../config';
import type { PlannedWrite } from '../plan/state';

export const bearer = (auth: AuthInfo): Record<string, string> => ({
  Authorization: `Bearer ${auth.accessToken}`,
});

/** What a create sends: placeholders first, real values over them. */
export function createBody(write: PlannedWrite): Record<string, unknown> {
  return spreadBoth(write.createDefaults, write.fields);
}

/** Upsert bodies must not carry the External ID field: it is in the URL (salesforce-api.md 3). */
function withoutField(fields: Record<string, unknown>, field: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    if (key.toLowerCase() !== field.toLowerCase()) out[key] = value;
  return out;
}

/** What every request of a batch shares: the data URL of its session, and the session's header. */
export interface RequestBase {
  dataUrl: string;
  headers: Record<string, string>;
}

export function requestBase(auth: AuthInfo, config: SalesforceConfig): RequestBase {
  return { dataUrl: dataUrl(auth.instanceUrl, config.apiVersion), headers: bearer(auth) };
}

/** A planned write as its request; `shared` is what the batch's requests share (built once per batch). */
export function recordRequest(
  write: PlannedWrite,
  auth: AuthInfo,
  config: SalesforceConfig,
  shared: RequestBase = requestBase(auth, config),
): RequestDescriptor {
  const base = `${shared.dataUrl}/sobjects/${write.object}`;
  const endpointPath = `/sobjects/${write.object}`;
  const { headers } = shared;
  if (write.upsert) {
    const { field, value } = write.upsert;
    const endpoint = `${base}/${field}/${encodeURIComponent(String(value))}`;
    const json = withoutField(createBody(write), field);
    return buildJsonRequest({
      method: 'PATCH',
      endpoint,
      headers,
      json,
      endpointPath: `${endpointPath}/${field}`,
    });
  }
  if (!write.id)
    return buildJsonRequest({
      method: 'POST',
      endpoint: base,
      headers,
      json: createBody(write),
      endpointPath,
    });
  const endpoint = `${base}/${encodeURIComponent(write.id)}`;
  if (write.delete) return buildJsonRequest({ method: 'DELETE', endpoint, headers, endpointPath });
  return buildJsonRequest({ method: 'PATCH', endpoint, headers, json: write.fields, endpointPath });
}
