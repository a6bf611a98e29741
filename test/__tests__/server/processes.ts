/**
 * Child processes for the host's process tests, driven by events only: a line on stdout, a request reaching a
 * server, a process exit. Nothing here waits for time to pass; each wait ends with its event, or fails at once when
 * the process exits first. Every process started is killed by `killAll` (call it in afterAll).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Started {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Every stdout line so far. */
  lines: string[];
  /**
   * The first stdout line matching `pattern` from line number `from` on (already seen, or the next); rejects if
   * the process exits first.
   */
  line(pattern: RegExp, from?: number): Promise<RegExpExecArray>;
  /** Lines that are JSON log lines (pino), parsed. */
  logs(): Record<string, unknown>[];
  exited: Promise<Exit>;
  stderr(): string;
}

/** Processes these tests started (directly or below), by pid and start time: a pid may be reused once it ends. */
const remembered = new Map<number, string>();

/** The fields of /proc/<pid>/stat after `(comm)`: state, ppid, ...; undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Start time of a process (clock ticks since boot, field 22 of stat): with the pid, it names one process. */
const startTime = (pid: number) => statFields(pid)?.[19];

/** Remember `pid` and its descendants as ours, for `killAll`. */
export function remember(pid: number): number[] {
  const tree = processTree(pid);
  for (const member of tree) {
    const time = startTime(member);
    if (time !== undefined) remembered.set(member, time);
  }
  return tree;
}

/** Start `command` in the project root with `env` added to the environment. */
export function start(command: string, args: string[], env: Record<string, string>): Started {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, npm_config_update_notifier: 'false', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  remember(child.pid);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  let partial = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      lines.push(text);
      for (const waiter of [...waiters]) {
        const match = waiter.pattern.exec(text);
        if (!match) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = (pattern: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      for (const text of lines.slice(from)) {
        const match = pattern.exec(text);
        if (match) return resolve(match);
      }
      waiters.push({ pattern, resolve });
      void exited.then((exit) =>
        reject(
          new Error(
            `exited (${JSON.stringify(exit)}) before a line matched ${pattern}:\n${lines.join('\n')}\n${errors}`,
          ),
        ),
      );
    });
  const logs = () =>
    lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, pid: child.pid, lines, line, logs, exited, stderr: () => errors };
}

/** Parent pid of every process, from /proc (Linux). */
function parents(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (fields) byPid.set(Number(name), Number(fields[1]));
  }
  return byPid;
}

/** `pid` and all its descendants, as they are now. */
export function processTree(pid: number): number[] {
  const byPid = parents();
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of byPid) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Whether a process exists and has not ended (a zombie has ended: only its exit status is left). */
export function isRunning(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** Kill every process these tests started that is still running, and what it started since (afterAll). */
export function killAll(): void {
  for (const [pid, time] of remembered) {
    if (startTime(pid) !== time) continue; // ended; the pid may be another process's now
    for (const member of processTree(pid).reverse()) {
      if (isRunning(member)) process.kill(member, 'SIGKILL');
    }
  }
  remembered.clear();
}

/**
 * A stand-in for Salesforce that holds each request until released: `arrived` settles when a request reaches it,
 * so a test knows the request is in flight without waiting for time.
 */
export interface Gate {
  url: string;
  arrived: Promise<void>;
  release(): void;
  close(): Promise<void>;
}

export async function startGate(reply: { status: number; body: unknown }): Promise<Gate> {
  let arrive!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    arrive();
    void released.then(() => {
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrived,
    release,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a connection of its own (no keep-alive pool): a cluster's primary hands each new connection to
 * the next worker, so successive requests reach different workers.
 */
export function freshRequest(url: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method: payload === undefined ? 'GET' : 'POST',
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
