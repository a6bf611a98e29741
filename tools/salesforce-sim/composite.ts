/** POST /composite: up to 25 subrequests (at most 5 Collections/query), one metered call. */
import { asObject, recordUrl, type RestRequest, type RestResponse } from './common';
import { HttpError, httpError } from './errors';
import { classify, handleRest, versionSupported } from './rest';
import type { SimState } from './state';

const MAX_SUBREQUESTS = 25;
const MAX_COLLECTIONS_OR_QUERY = 5;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const FORBIDDEN_HEADERS = new Set(['accept', 'authorization', 'content-type']);
const REF_ID = /^[A-Za-z0-9][A-Za-z0-9_]*$/;
const URL_RE = /^\/services\/data\/v(\d+\.\d+)(\/[^?]*)?(\?.*)?$/;
const REFERENCE = /@\{([A-Za-z0-9][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;
/** A string that is one whole reference (its value replaces the string, keeping its JSON type). */
const WHOLE_REFERENCE = new RegExp(`^${REFERENCE.source}$`);

interface Sub {
  method: string;
  url: string;
  referenceId: string;
  body: unknown;
  headers: Record<string, string>;
}

interface Entry {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string | null;
}

function invalid(message: string): HttpError {
  return httpError(400, 'INVALID_INPUT', message);
}

/** Limit violations answer 400 with the compositeResponse wrapper Salesforce uses for them. */
function limitExceeded(message: string): HttpError {
  return new HttpError(400, {
    compositeResponse: [
      {
        body: [{ errorCode: 'LIMIT_EXCEEDED', message }],
        httpHeaders: {},
        httpStatusCode: 400,
        referenceId: null,
      },
    ],
  });
}

function halted(referenceId: string): Entry {
  return {
    body: [
      {
        errorCode: 'PROCESSING_HALTED',
        message: 'The transaction was rolled back since another operation in the same transaction failed.',
      },
    ],
    httpHeaders: {},
    httpStatusCode: 400,
    referenceId,
  };
}

class UnresolvedReference extends Error {}

function readPath(value: unknown, path: string): unknown {
  let cur = value;
  const re = /\.([A-Za-z0-9_]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (m[1] !== undefined) cur = (cur as Record<string, unknown>)[m[1]];
    else cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  return cur;
}

function parseSubs(body: Record<string, unknown>): Sub[] {
  const list = body.compositeRequest;
  if (!Array.isArray(list)) throw invalid("The 'compositeRequest' array is required");
  if (list.length === 0) throw invalid('The composite request must contain at least one subrequest');
  if (list.length > MAX_SUBREQUESTS)
    throw limitExceeded('The request can’t contain more than 25 operations.');
  const ids = new Set<string>();
  let heavy = 0;
  const subs = list.map((raw: unknown): Sub => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw invalid('Each subrequest must be an object');
    const s = raw as Record<string, unknown>;
    const { method, url, referenceId } = s;
    if (typeof method !== 'string' || !METHODS.has(method)) {
      throw invalid(
        `Invalid HTTP method '${String(method)}': use GET, POST, PUT, PATCH or DELETE (case-sensitive)`,
      );
    }
    if (typeof url !== 'string' || !URL_RE.test(url))
      throw invalid(`The URL must start with /services/data/vXX.X/: ${String(url)}`);
    if (typeof referenceId !== 'string' || !REF_ID.test(referenceId)) {
      throw invalid(
        `Invalid referenceId '${String(referenceId)}': letters, digits and _ only, starting with a letter or digit`,
      );
    }
    if (ids.has(referenceId)) throw invalid(`Duplicate referenceId provided in the request: ${referenceId}`);
    ids.add(referenceId);
    const headers: Record<string, string> = {};
    if (s.httpHeaders !== undefined) {
      if (s.httpHeaders === null || typeof s.httpHeaders !== 'object')
        throw invalid('httpHeaders must be an object');
      for (const [k, v] of Object.entries(s.httpHeaders as Record<string, unknown>)) {
        if (FORBIDDEN_HEADERS.has(k.toLowerCase()))
          throw invalid(`The ${k} header is not allowed in a subrequest`);
        headers[k.toLowerCase()] = String(v);
      }
    }
    const path = /^\/services\/data\/v[^/]+\/([^?]*)/.exec(url)?.[1] ?? '';
    if (/^(composite\/sobjects|query|queryAll)(\/|$)/.test(path)) heavy++;
    return { method, url, referenceId, body: s.body, headers };
  });
  if (heavy > MAX_COLLECTIONS_OR_QUERY) {
    throw limitExceeded('The request can’t contain more than 5 sObject Collections or query operations.');
  }
  return subs;
}

/** Resolves `@{ref.path}` against the results of the subrequests that ran before. */
class References {
  private readonly done = new Map<string, { status: number; body: unknown }>();

  record(referenceId: string, status: number, body: unknown): void {
    this.done.set(referenceId, { status, body });
  }

  private lookup(ref: string, path: string): unknown {
    const prior = this.done.get(ref);
    const v = prior && prior.status < 400 ? readPath(prior.body, path) : undefined;
    if (v === undefined) {
      throw new UnresolvedReference(
        `Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ${ref} must match a previously successful subrequest.`,
      );
    }
    return v;
  }

  /** A string that is one whole reference becomes the referenced value; otherwise references are spliced in. */
  resolveString(s: string): unknown {
    const whole = WHOLE_REFERENCE.exec(s);
    if (whole) return this.lookup(whole[1], whole[2]);
    return s.replace(REFERENCE, (_m, ref: string, path: string) => {
      const v = this.lookup(ref, path);
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }

  resolveJson(v: unknown): unknown {
    if (typeof v === 'string') return v.includes('@{') ? this.resolveString(v) : v;
    if (Array.isArray(v)) return v.map((x) => this.resolveJson(x));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, this.resolveJson(x)]),
      );
    }
    return v;
  }
}

/** Runs one subrequest after resolving its references; an unresolvable reference halts only this one. */
function runResolved(state: SimState, sub: Sub, refs: References, allOrNone: boolean): Entry {
  try {
    const url = String(refs.resolveString(sub.url));
    return runSub(state, sub, url, refs.resolveJson(sub.body), allOrNone);
  } catch (e) {
    if (!(e instanceof UnresolvedReference)) throw e;
    return {
      body: [{ errorCode: 'PROCESSING_HALTED', message: e.message }],
      httpHeaders: {},
      httpStatusCode: 400,
      referenceId: sub.referenceId,
    };
  }
}

/** A subrequest failed when its status is 400 or more, or a Collections item in its body failed. */
function entryFailed(entry: Entry): boolean {
  if (entry.httpStatusCode >= 400) return true;
  return (
    Array.isArray(entry.body) &&
    entry.body.some(
      (x: unknown) => x !== null && typeof x === 'object' && (x as Record<string, unknown>).success === false,
    )
  );
}

function readAllOrNone(body: Record<string, unknown>): boolean {
  if (body.allOrNone !== undefined && typeof body.allOrNone !== 'boolean')
    throw invalid('allOrNone must be a boolean');
  return body.allOrNone === true;
}

export function handleComposite(state: SimState, req: RestRequest): RestResponse {
  if (req.depth > 0) throw invalid('Composite requests cannot be nested');
  if (req.method !== 'POST')
    throw httpError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed. Allowed are POST`);
  const body = asObject(req.body);
  const allOrNone = readAllOrNone(body);
  const subs = parseSubs(body);
  const sp = state.store.savepoint();
  const refs = new References();
  const out: Entry[] = [];
  let halting = false;
  for (const [i, sub] of subs.entries()) {
    if (halting) {
      out.push(halted(sub.referenceId));
      continue;
    }
    const entry = runResolved(state, sub, refs, allOrNone);
    const failed = entryFailed(entry);
    refs.record(sub.referenceId, failed ? 400 : entry.httpStatusCode, entry.body);
    out.push(entry);
    if (failed && allOrNone) {
      halting = true;
      state.store.rollbackTo(sp);
      for (let j = 0; j < i; j++) out[j] = halted(subs[j].referenceId);
    }
  }
  return { status: 200, body: { compositeResponse: out } };
}

function runSub(state: SimState, sub: Sub, url: string, body: unknown, allOrNone: boolean): Entry {
  const m = URL_RE.exec(url);
  const parsed = new URL(url, 'http://composite.invalid');
  const version = m ? m[1] : '';
  const segments = parsed.pathname
    .replace(/^\/services\/data\/v[^/]+\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  let method = sub.method;
  const override = parsed.searchParams.get('_HttpMethod');
  if (method === 'POST' && override) method = override.toUpperCase();
  let res: RestResponse;
  try {
    if (!versionSupported(version))
      throw httpError(404, 'NOT_FOUND', 'The requested resource does not exist');
    res = handleRest(state, {
      method,
      segments,
      query: parsed.searchParams,
      body,
      version,
      headers: sub.headers,
      depth: 1,
      forceAllOrNone: allOrNone,
    });
  } catch (e) {
    if (!(e instanceof HttpError)) throw e;
    res = { status: e.status, body: e.body };
  }
  const headers: Record<string, string> = { ...(res.headers ?? {}) };
  const kind = classify(method, segments);
  if (
    res.status === 201 &&
    (kind === 'sobject-create' || kind === 'sobject-upsert') &&
    segments[1] !== undefined
  ) {
    const b = res.body as Record<string, unknown>;
    const def = state.schema.object(segments[1]);
    if (def && typeof b.id === 'string') headers.Location = recordUrl(version, def.name, b.id);
  }
  return {
    body: res.body ?? null,
    httpHeaders: headers,
    httpStatusCode: res.status,
    referenceId: sub.referenceId,
  };
}
