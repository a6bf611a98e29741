/** HTTP front end: 127.0.0.1 listener, fault injection, metering, admin API. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { NOT_FOUND_MESSAGE, HttpError } from './errors';
import { handleToken } from './oauth';
import { classify, handleRest, versionSupported, versionsList } from './rest';
import { SimState } from './state';
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
  private readonly pending = new Map<NodeJS.Timeout, (finished: boolean) => void>();

  /** Resolves true after `ms`, or false if cancelled first. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve(true);
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  cancelAll(): void {
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve(false);
    }
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

function handleRestHttp(
  state: SimState,
  req: http.IncomingMessage,
  url: URL,
  version: string,
  restPath: string,
  raw: string,
): Reply {
  const limitHeader = (): Record<string, string> => {
    const { used, max } = state.apiUsage();
    return { 'Sforce-Limit-Info': `api-usage=${used}/${max}` };
  };
  if (!versionSupported(version)) {
    return { status: 404, body: errorBody('NOT_FOUND', NOT_FOUND_MESSAGE), headers: limitHeader() };
  }
  const token = bearer(req);
  const session = token ? state.tokenEntry(token) : undefined;
  if (!session) {
    return {
      status: 401,
      body: errorBody('INVALID_SESSION_ID', 'Session expired or invalid'),
      headers: limitHeader(),
    };
  }
  if (state.limitExceeded()) {
    return {
      status: 403,
      body: errorBody('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      headers: limitHeader(),
    };
  }
  const segments = decodeSegments(restPath);
  let method = (req.method ?? 'GET').toUpperCase();
  const override = url.searchParams.get('_HttpMethod');
  if (method === 'POST' && override) method = override.toUpperCase();
  state.count(segments ? classify(method, segments) : 'other', true);

  if (state.takeFault('status503')) {
    return {
      status: 503,
      body: errorBody('SERVER_UNAVAILABLE', 'Server is temporarily unavailable. Please try again later.'),
      headers: limitHeader(),
    };
  }
  if (state.takeFault('status500')) {
    return {
      status: 500,
      body: errorBody(
        'UNKNOWN_EXCEPTION',
        'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
      ),
      headers: limitHeader(),
    };
  }
  if (state.takeFault('malformedBodies')) {
    return {
      status: 200,
      raw: '{"totalSize":1,"done":true,"records":[{"attributes":',
      headers: limitHeader(),
    };
  }
  if (!segments)
    return { status: 404, body: errorBody('NOT_FOUND', NOT_FOUND_MESSAGE), headers: limitHeader() };

  let body: unknown;
  if (raw.trim() !== '') {
    const parsed = parseJson(raw);
    if (!parsed.ok) {
      return {
        status: 400,
        body: errorBody('JSON_PARSER_ERROR', `Unexpected character: ${parsed.message}`),
        headers: limitHeader(),
      };
    }
    body = parsed.value;
  }
  try {
    const r = handleRest(state, {
      method,
      segments,
      query: url.searchParams,
      body,
      version,
      headers: headerMap(req),
      depth: 0,
    });
    return { status: r.status, body: r.body, headers: { ...(r.headers ?? {}), ...limitHeader() } };
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, body: e.body, headers: limitHeader() };
    throw e;
  } finally {
    state.store.commit();
  }
}

// ------------------------------------------------------------------------------------ admin

function handleAdmin(state: SimState, method: string, segments: string[], raw: string): Reply {
  const [, action, arg] = segments;
  let body: unknown;
  if (raw.trim() !== '') {
    const parsed = parseJson(raw);
    if (!parsed.ok) return { status: 400, body: { error: `invalid JSON: ${parsed.message}` } };
    body = parsed.value;
  }
  try {
    switch (`${method} ${action ?? ''}`) {
      case 'GET records': {
        if (!arg) return { status: 400, body: { error: 'object type required' } };
        if (segments[3]) {
          const rec = state.get(arg, segments[3]);
          return rec ? { status: 200, body: rec } : { status: 404, body: { error: 'record not found' } };
        }
        return { status: 200, body: state.records(arg) };
      }
      case 'POST seed': {
        if (!arg) return { status: 400, body: { error: 'object type required' } };
        if (Array.isArray(body)) {
          return {
            status: 201,
            body: { ids: body.map((f: unknown) => state.seed(arg, (f ?? {}) as Record<string, unknown>)) },
          };
        }
        return { status: 201, body: { id: state.seed(arg, (body ?? {}) as Record<string, unknown>) } };
      }
      case 'GET counters':
        return { status: 200, body: { ...state.counters(), apiUsage: state.apiUsage() } };
      case 'POST reset-counters':
        state.resetCounters();
        return { status: 200, body: { ok: true } };
      case 'POST reset':
        state.reset();
        return { status: 200, body: { ok: true } };
      case 'GET faults':
        return { status: 200, body: state.faults() };
      case 'POST faults':
        state.setFaults((body ?? {}) as Faults);
        return { status: 200, body: state.faults() };
      case 'DELETE faults':
        state.clearFaults();
        return { status: 200, body: state.faults() };
      case 'POST expire-tokens':
        state.expireTokens();
        return { status: 200, body: { ok: true } };
      case 'POST refresh-token': {
        const username = (body as { username?: unknown } | undefined)?.username;
        return {
          status: 200,
          body: {
            refresh_token: state.issueRefreshToken(typeof username === 'string' ? username : undefined),
          },
        };
      }
      case 'POST api-usage': {
        const used = (body as { used?: unknown } | undefined)?.used;
        if (typeof used !== 'number')
          return { status: 400, body: { error: 'body must be {"used": number}' } };
        state.setApiUsage(used);
        return { status: 200, body: state.apiUsage() };
      }
      default:
        return { status: 404, body: { error: `unknown admin route ${method} /${segments.join('/')}` } };
    }
  } catch (e) {
    return { status: 400, body: { error: e instanceof Error ? e.message : String(e) } };
  }
}

// ------------------------------------------------------------------------------------ dispatch

async function handle(
  state: SimState,
  delays: Delays,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let buf = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname;
  const method = (req.method ?? 'GET').toUpperCase();

  if (path.startsWith('/__admin/')) {
    send(res, handleAdmin(state, method, decodeSegments(path) ?? [], buf.toString('utf8')));
    return;
  }
  if (state.takeFault('dropConnections')) {
    req.socket.destroy();
    return;
  }
  const latency = state.latencyMs();
  if (latency > 0 && !(await delays.wait(latency))) {
    req.socket.destroy();
    return;
  }

  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  try {
    if (encoding === 'gzip') buf = gunzipSync(buf);
    else if (encoding === 'deflate') buf = inflateSync(buf);
  } catch {
    send(res, {
      status: 400,
      body: errorBody('JSON_PARSER_ERROR', 'Request body could not be decompressed'),
    });
    return;
  }
  const raw = buf.toString('utf8');

  if (path === '/services/oauth2/token') {
    state.count('token', false);
    const r = handleToken(state, method, url.searchParams, raw, req.headers.authorization);
    send(res, {
      status: r.status,
      body: r.body,
      headers: { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
    });
    return;
  }
  if (path === '/services/data' || path === '/services/data/') {
    send(
      res,
      method === 'GET'
        ? { status: 200, body: versionsList() }
        : {
            status: 405,
            body: errorBody(
              'METHOD_NOT_ALLOWED',
              `HTTP Method '${method}' not allowed. Allowed are GET,HEAD`,
            ),
          },
    );
    return;
  }
  const idMatch = /^\/id\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (idMatch) {
    const token = bearer(req);
    const session = token ? state.tokenEntry(token) : undefined;
    if (!session) {
      send(res, { status: 403, raw: 'Bad_OAuth_Token' });
      return;
    }
    state.count('identity', false);
    send(res, {
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
    });
    return;
  }
  const rest = /^\/services\/data\/v([^/]+)(\/.*)?$/.exec(path);
  if (rest) {
    send(res, handleRestHttp(state, req, url, rest[1], rest[2] ?? '', raw));
    return;
  }
  send(res, { status: 404, body: errorBody('NOT_FOUND', NOT_FOUND_MESSAGE) });
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
