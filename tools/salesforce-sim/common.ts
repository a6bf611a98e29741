/** Types and helpers shared by the REST resources. */
import { httpError, type HttpError, notFound } from './errors';
import type { FieldDef, ObjectDef } from './schema';
import type { SimState } from './state';
import type { SimRecord } from './types';

export interface RestRequest {
  method: string;
  /** Path segments after /services/data/vXX.X/, URL-decoded. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  /** e.g. "58.0" */
  version: string;
  headers: Record<string, string | undefined>;
  /** 0 for a top-level call, 1 inside a composite request. */
  depth: number;
  /** Composite allOrNone=true forces all-or-none on nested Collections calls. */
  forceAllOrNone?: boolean;
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function versionNumber(v: string): number {
  return Number(v);
}

export function recordUrl(version: string, objectName: string, id: string): string {
  return `/services/data/v${version}/sobjects/${objectName}/${id}`;
}

export function objectOrThrow(state: SimState, name: string): ObjectDef {
  const def = state.schema.object(name);
  if (!def) throw notFound();
  return def;
}

export function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw httpError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of SObject from non-object value');
  }
  return body as Record<string, unknown>;
}

export function projectRecord(
  def: ObjectDef,
  row: SimRecord,
  fields: FieldDef[],
  version: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: def.name, url: recordUrl(version, def.name, row.Id) },
  };
  for (const f of fields) out[f.name] = row[f.name] ?? null;
  return out;
}

/** Salesforce's message for a field name the object does not have. */
export function noSuchColumn(name: string, object: string): string {
  return `No such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
}

export function fieldsParam(def: ObjectDef, raw: string | null): FieldDef[] {
  if (raw === null || raw.trim() === '') return def.fields;
  return raw.split(',').map((name) => {
    const f = def.fieldMap.get(name.trim().toLowerCase());
    if (!f) throw httpError(400, 'INVALID_FIELD', noSuchColumn(name.trim(), def.name));
    return f;
  });
}

export function methodNotAllowed(method: string, allowed: string): HttpError {
  return httpError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`);
}
