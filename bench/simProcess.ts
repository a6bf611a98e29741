/**
 * Child processes for the benchmarks: the Salesforce simulator, driven through its admin API, and any service started
 * from a script (startChildService), each with its pid so that its CPU can be read. The benchmarks measure the
 * destination's CPU per process (`process.cpuUsage`, /proc), which counts every thread of the process: an in-process
 * simulator would bill its own work (answering lookups, storing records) to the transform. A child process keeps the
 * two apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Counters, SimOptions, SimRecord } from '../tools/salesforce-sim';

export interface SimProcess {
  url: string;
  /** The simulator's process, to read its CPU. */
  pid: number;
  reset(): Promise<void>;
  resetCounters(): Promise<void>;
  counters(): Promise<Counters & { apiUsage: { used: number; max: number } }>;
  records(object: string): Promise<SimRecord[]>;
  /** Seeds rows (in chunks) and returns their ids in order. */
  seed(object: string, rows: Record<string, unknown>[]): Promise<string[]>;
  close(): Promise<void>;
}

const ROOT = resolve(__dirname, '..');

async function admin<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/__admin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`simulator admin ${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface ChildService {
  url: string;
  pid: number;
  /** Stops the child (SIGTERM) and resolves once it has exited; at once when it already has. */
  close(): Promise<void>;
}

export interface ChildOptions {
  /** Node options before the script (`--cpu-prof`...). */
  nodeArgs?: string[];
  /** The child's whole environment; default this process's. */
  env?: NodeJS.ProcessEnv;
  /** Write the child's stdout (its log) to this file instead of a pipe; the URL is then looked for there. */
  stdoutFile?: string;
}

/** Resolves with group 1 of the first match of `pattern` in the child's stdout (piped, or the file it goes to). */
function watchStdout(child: ChildProcess, pattern: RegExp, file: string | undefined): Promise<string> {
  return new Promise((found) => {
    if (!file) {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = pattern.exec(stdout);
        if (match) found(match[1]);
      });
      return;
    }
    const poll = setInterval(() => {
      const match = pattern.exec(readFileSync(file, 'utf8'));
      if (match || child.exitCode !== null) clearInterval(poll);
      if (match) found(match[1]);
    }, 50);
    poll.unref();
  });
}

/**
 * Start a Node script (run by tsx) in a child process and resolve with the URL it prints on stdout (the first
 * match of `urlPattern`'s group 1). Rejects with its stderr when it exits first or takes over 30 s.
 */
export async function startChildService(
  script: string,
  args: string[],
  urlPattern: RegExp,
  options: ChildOptions = {},
): Promise<ChildService> {
  const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'a') : 'pipe';
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args],
    { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', stdout, 'pipe'] },
  );
  if (typeof stdout === 'number') closeSync(stdout);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${stderr}`)), 30_000);
    void watchStdout(child, urlPattern, options.stdoutFile).then((found) => {
      clearTimeout(timer);
      resolveUrl(found);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    pid: child.pid ?? 0,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export async function startSimProcess(options: SimOptions): Promise<SimProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-bench-'));
  const configFile = join(dir, 'sim-options.json');
  writeFileSync(configFile, JSON.stringify(options));
  let child: ChildService;
  try {
    child = await startChildService(
      join(ROOT, 'tools/salesforce-sim/main.ts'),
      ['--port', '0', '--config', configFile],
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { url, pid } = child;
  return {
    url,
    pid,
    reset: async () => void (await admin(url, 'POST', 'reset')),
    resetCounters: async () => void (await admin(url, 'POST', 'reset-counters')),
    counters: () => admin(url, 'GET', 'counters'),
    records: (object) => admin(url, 'GET', `records/${object}`),
    async seed(object, rows) {
      const ids: string[] = [];
      for (let i = 0; i < rows.length; i += 1000) {
        const r = await admin<{ ids: string[] }>(url, 'POST', `seed/${object}`, rows.slice(i, i + 1000));
        ids.push(...r.ids);
      }
      return ids;
    },
    close: async () => {
      await child.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
