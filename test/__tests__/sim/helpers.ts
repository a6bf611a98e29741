/** Test helpers for the Salesforce simulator: start it, log in, call it over real HTTP. */
import {
  DEFAULT_CLIENTS,
  DEFAULT_USERS,
  startSimulator,
  type SimOptions,
  type Simulator,
} from '../../../tools/salesforce-sim';

export const API = '/services/data/v62.0';
export const [DEMO] = DEFAULT_USERS;
export const [CLIENT] = DEFAULT_CLIENTS;

interface Res<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = unknown>(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: unknown;
    form?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const r = await fetch(url, { method: init.method ?? 'GET', headers, body, signal: init.signal });
  const text = await r.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: r.status, headers: r.headers, body: parsed as T, text };
}

export async function passwordToken(sim: Simulator): Promise<string> {
  const r = await call<{ access_token: string }>(`${sim.url}/services/oauth2/token`, {
    method: 'POST',
    form: {
      grant_type: 'password',
      username: DEMO.username,
      password: DEMO.password + DEMO.securityToken,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    },
  });
  if (r.status !== 200) throw new Error(`login failed: ${r.text}`);
  return r.body.access_token;
}

export interface Session {
  sim: Simulator;
  token: string;
  /** Calls `${sim.url}${API}${path}` (or an absolute /services/... path) with the bearer token. */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Res<T>>;
  query<T = Record<string, unknown>>(
    soql: string,
  ): Promise<Res<{ totalSize: number; done: boolean; records: T[]; nextRecordsUrl?: string }>>;
}

export async function startSession(options: SimOptions = {}): Promise<Session> {
  const sim = await startSimulator(options);
  const token = await passwordToken(sim);
  const session: Session = {
    sim,
    token,
    api: (method, path, body, headers) =>
      call(`${sim.url}${path.startsWith('/services/') ? '' : API}${path}`, {
        method,
        body,
        headers: { authorization: `Bearer ${session.token}`, ...(headers ?? {}) },
      }),
    query: (soql) => session.api('GET', `/query?q=${encodeURIComponent(soql)}`),
  };
  return session;
}

/**
 * Registers the suite's session hooks: start a simulator and log in once (handing the session to `assign`),
 * close it after, and reset its state before each test.
 */
export function useSession(assign: (s: Session) => void, options: SimOptions = {}): void {
  let session: Session;
  beforeAll(async () => {
    session = await startSession(options);
    assign(session);
  });
  afterAll(() => session.sim.close());
  beforeEach(() => session.sim.state.reset());
}

export type ErrorItem = { message: string; errorCode: string; fields?: string[] };
export type ItemResult = {
  id?: string;
  success: boolean;
  created?: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};
