/** HTTP front end: 127.0.0.1 listener, fault injection, metering, admin API. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { NOT_FOUND_MESSAGE, HttpError } from './errors';
import { handleToken } from './oauth';
import { classify, handleRest, versionSupported, versionsList } from './rest';
import { SimState } from './state';
import type { RestRequest } from './common';
import type { Faults, SimOptions } from './types';

export interface Simulator {
  /** e.g. http://127.0.0.1:PORT: the login host and the instance_url. */
  url: string;
  close(): Promise<void>;
  state: SimState;
}

interface Reply {
  status: number;
  body?: unknown;
  /** Raw body text instead of JSON (used by the malformed-body fault). */
  raw?: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json;charset=UTF-8';

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: string | undefined;
  if (reply.raw !== undefined) payload = reply.raw;
  else if (reply.body !== undefined && reply.status !== 204) payload = JSON.stringify(reply.body);
  if (payload !== undefined) {
    headers['Content-Type'] = JSON_TYPE;
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function errorBody(errorCode: string, message: string): { message: string; errorCode: string }[] {
  return [{ message, errorCode }];
}

/**
 * Injected latency (real time, so client timeouts can be tested). `close()` cancels the waits still running, so
 * a delayed request never runs after the simulator has stopped and no timer keeps the process alive.
 */
class Delays {
  /** How to cancel each pending wait (it then resolves false). */
  private readonly pending = new Set<() => void>();

  /** Resolves true after `ms`, or false if cancelled first. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.pending.delete(cancel);
        resolve(true);
      }, ms);
      this.pending.add(cancel);
    });
  }

  /** Resolves true when `released` settles, or false if cancelled first. */
  until(released: Promise<void>): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = () => resolve(false);
      this.pending.add(cancel);
      void released.then(() => {
        if (this.pending.delete(cancel)) resolve(true);
      });
    });
  }

  cancelAll(): void {
    for (const cancel of this.pending) cancel();
    this.pending.clear();
  }
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

function decodeSegments(path: string): string[] | null {
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

function headerMap(req: http.IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function bearer(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = h ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(h.trim()) : null;
  return m ? m[1] : undefined;
}

// ------------------------------------------------------------------------------------ REST

/** Every REST answer, errors included, carries Sforce-Limit-Info with the usage after this call. */
function withLimitInfo(state: SimState, reply: Reply): Reply {
  const { used, max } = state.apiUsage();
  return { ...reply, headers: { ...(reply.headers ?? {}), 'Sforce-Limit-Info': `api-usage=${used}/${max}` } };
}

function restReply(
  state: SimState,
  req: http.IncomingMessage,
  url: URL,
  version: string,
  restPath: string,
  raw: string,
): Reply {
  const refused = refusal(state, req, version);
  if (refused) return refused;
  const segments = decodeSegments(restPath);
  let method = (req.method ?? 'GET').toUpperCase();
  const override = url.searchParams.get('_HttpMethod');
  if (method === 'POST' && override) method = override.toUpperCase();
  state.count(segments ? classify(method, segments) : 'other', true);
  const fault = injectedFault(state);
  if (fault) return fault;
  if (!segments) return { status: 404, body: errorBody('NOT_FOUND', NOT_FOUND_MESSAGE) };
  let body: unknown;
  if (raw.trim() !== '') {
    const parsed = parseJson(raw);
    if (!parsed.ok) {
      return { status: 400, body: errorBody('JSON_PARSER_ERROR', `Unexpected character: ${parsed.message}`) };
    }
    body = parsed.value;
  }
  const query = url.searchParams;
  return runRest(state, { method, segments, query, body, version, headers: headerMap(req), depth: 0 });
}

/** Calls refused before they are metered: an unknown version, a bad token, a spent allocation. */
function refusal(state: SimState, req: http.IncomingMessage, version: string): Reply | undefined {
  if (!versionSupported(version)) return { status: 404, body: errorBody('NOT_FOUND', NOT_FOUND_MESSAGE) };
  const token = bearer(req);
  const session = token ? state.tokenEntry(token) : undefined;
  if (!session) return { status: 401, body: errorBody('INVALID_SESSION_ID', 'Session expired or invalid') };
  if (state.limitExceeded()) {
    return { status: 403, body: errorBody('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.') };
  }
  return undefined;
}

/** The counted faults that answer a metered call without processing it. */
function injectedFault(state: SimState): Reply | undefined {
  if (state.takeFault('status503')) {
    return {
      status: 503,
      body: errorBody('SERVER_UNAVAILABLE', 'Server is temporarily unavailable. Please try again later.'),
    };
  }
  if (state.takeFault('status500')) {
    return {
      status: 500,
      body: errorBody(
        'UNKNOWN_EXCEPTION',
        'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
      ),
    };
  }
  if (state.takeFault('malformedBodies')) {
    return { status: 200, raw: '{"totalSize":1,"done":true,"records":[{"attributes":' };
  }
  return undefined;
}

function runRest(state: SimState, request: RestRequest): Reply {
  try {
    const r = handleRest(state, request);
    return { status: r.status, body: r.body, headers: r.headers };
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, body: e.body };
    throw e;
  } finally {
    state.store.commit();
  }
}

// ------------------------------------------------------------------------------------ admin

type AdminRoute = (state: SimState, segments: string[], body: unknown) => Reply;

const OK: Reply = { status: 200, body: { ok: true } };

function adminRecords(state: SimState, segments: string[]): Reply {
  const [, , objectType, id] = segments;
  if (!objectType) return { status: 400, body: { error: 'object type required' } };
  if (!id) return { status: 200, body: state.records(objectType) };
  const rec = state.get(objectType, id);
  return rec ? { status: 200, body: rec } : { status: 404, body: { error: 'record not found' } };
}

function adminSeed(state: SimState, segments: string[], body: unknown): Reply {
  const objectType = segments[2];
  if (!objectType) return { status: 400, body: { error: 'object type required' } };
  const seedOne = (fields: unknown): string =>
    state.seed(objectType, (fields ?? {}) as Record<string, unknown>);
  if (Array.isArray(body)) return { status: 201, body: { ids: body.map(seedOne) } };
  return { status: 201, body: { id: seedOne(body) } };
}

function adminRefreshToken(state: SimState, _segments: string[], body: unknown): Reply {
  const username = (body as { username?: unknown } | undefined)?.username;
  const refreshToken = state.issueRefreshToken(typeof username === 'string' ? username : undefined);
  return { status: 200, body: { refresh_token: refreshToken } };
}

function adminApiUsage(state: SimState, _segments: string[], body: unknown): Reply {
  const used = (body as { used?: unknown } | undefined)?.used;
  if (typeof used !== 'number') return { status: 400, body: { error: 'body must be {"used": number}' } };
  state.setApiUsage(used);
  return { status: 200, body: state.apiUsage() };
}

/** `METHOD action` → route; the action is the path segment after /__admin/. */
const ADMIN_ROUTES: Record<string, AdminRoute> = {
  'GET records': adminRecords,
  'POST seed': adminSeed,
  'GET counters': (state) => ({ status: 200, body: { ...state.counters(), apiUsage: state.apiUsage() } }),
  'POST reset-counters': (state) => {
    state.resetCounters();
    return OK;
  },
  'POST reset': (state) => {
    state.reset();
    return OK;
  },
  'GET faults': (state) => ({ status: 200, body: state.faults() }),
  'POST faults': (state, _segments, body) => {
    state.setFaults((body ?? {}) as Faults);
    return { status: 200, body: state.faults() };
  },
  'DELETE faults': (state) => {
    state.clearFaults();
    return { status: 200, body: state.faults() };
  },
  'POST expire-tokens': (state) => {
    state.expireTokens();
    return OK;
  },
  'POST refresh-token': adminRefreshToken,
  'POST api-usage': adminApiUsage,
};

function handleAdmin(state: SimState, method: string, segments: string[], raw: string): Reply {
  let body: unknown;
  if (raw.trim() !== '') {
    const parsed = parseJson(raw);
    if (!parsed.ok) return { status: 400, body: { error: `invalid JSON: ${parsed.message}` } };
    body = parsed.value;
  }
  const routeKey = `${method} ${segments[1] ?? ''}`;
  const route = Object.hasOwn(ADMIN_ROUTES, routeKey) ? ADMIN_ROUTES[routeKey] : undefined;
  if (!route) return { status: 404, body: { error: `unknown admin route ${method} /${segments.join('/')}` } };
  try {
    return route(state, segments, body);
  } catch (e) {
    return { status: 400, body: { error: e instanceof Error ? e.message : String(e) } };
  }
}

// ------------------------------------------------------------------------------------ dispatch

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The body as text after gzip/deflate decoding, or undefined when it cannot be decompressed. */
function decodeBody(req: http.IncomingMessage, buf: Buffer): string | undefined {
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  try {
    if (encoding === 'gzip') return gunzipSync(buf).toString('utf8');
    if (encoding === 'deflate') return inflateSync(buf).toString('utf8');
    return buf.toString('utf8');
  } catch {
    return undefined;
  }
}

function tokenRoute(
  state: SimState,
  req: http.IncomingMessage,
  url: URL,
  method: string,
  raw: string,
): Reply {
  state.count('token', false);
  const r = handleToken(state, method, url.searchParams, raw, req.headers.authorization);
  return {
    status: r.status,
    body: r.body,
    headers: { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
  };
}

function versionsRoute(method: string): Reply {
  if (method === 'GET') return { status: 200, body: versionsList() };
  return {
    status: 405,
    body: errorBody('METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,HEAD`),
  };
}

/** The identity URL (`id` in the token response): not metered. */
function identityRoute(state: SimState, req: http.IncomingMessage): Reply {
  const token = bearer(req);
  const session = token ? state.tokenEntry(token) : undefined;
  if (!session) return { status: 403, raw: 'Bad_OAuth_Token' };
  state.count('identity', false);
  return {
    status: 200,
    body: {
      id: `${state.url}/id/${state.orgId}/${session.user.userId}`,
      user_id: session.user.userId,
      organization_id: state.orgId,
      username: session.user.username,
      active: true,
      urls: {
        rest: `${state.url}/services/data/v{version}/`,
        query: `${state.url}/services/data/v{version}/query/`,
      },
    },
  };
}

/** Token, versions, identity and REST calls, once faults and latency have been applied. */
function route(state: SimState, req: http.IncomingMessage, url: URL, method: string, raw: string): Reply {
  const path = url.pathname;
  if (path === '/services/oauth2/token') return tokenRoute(state, req, url, method, raw);
  if (path === '/services/data' || path === '/services/data/') return versionsRoute(method);
  if (/^\/id\/([^/]+)\/([^/]+)\/?$/.test(path)) return identityRoute(state, req);
  const rest = /^\/services\/data\/v([^/]+)(\/.*)?$/.exec(path);
  if (rest) return withLimitInfo(state, restReply(state, req, url, rest[1], rest[2] ?? '', raw));
  return { status: 404, body: errorBody('NOT_FOUND', NOT_FOUND_MESSAGE) };
}

async function handle(
  state: SimState,
  delays: Delays,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const buf = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname.startsWith('/__admin/')) {
    send(res, handleAdmin(state, method, decodeSegments(url.pathname) ?? [], buf.toString('utf8')));
    return;
  }
  if (state.takeFault('dropConnections')) {
    req.socket.destroy();
    return;
  }
  const held = state.heldRequests();
  if (held && !(await delays.until(held))) {
    req.socket.destroy();
    return;
  }
  const latency = state.latencyMs();
  if (latency > 0 && !(await delays.wait(latency))) {
    req.socket.destroy();
    return;
  }
  const raw = decodeBody(req, buf);
  if (raw === undefined) {
    send(res, {
      status: 400,
      body: errorBody('JSON_PARSER_ERROR', 'Request body could not be decompressed'),
    });
    return;
  }
  send(res, route(state, req, url, method, raw));
}

export async function startSimulator(options: SimOptions = {}): Promise<Simulator> {
  const state = new SimState(options);
  const delays = new Delays();
  const server = http.createServer((req, res) => {
    handle(state, delays, req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      send(res, { status: 500, body: errorBody('UNKNOWN_EXCEPTION', `simulator error: ${message}`) });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  state.url = url;
  let closed: Promise<void> | undefined;
  return {
    url,
    state,
    close(): Promise<void> {
      if (!closed) {
        closed = new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          delays.cancelAll();
          server.closeAllConnections();
        });
      }
      return closed;
    },
  };
}
