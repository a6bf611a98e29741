/** Running the CLI in-process with captured output, temporary files for its inputs, and the events they hold. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli';
import { startSimulator, type Simulator } from '../../../tools/salesforce-sim';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], errIsTTY = false): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    errIsTTY,
  });
  return { code, stdout, stderr };
}

/** A temporary folder for a test's files. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'sf-cli-test-'));

  file(name: string, content: unknown): string {
    const path = join(this.path, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** A fresh TempDir for each test of the calling file (it registers the hooks), removed after the test. */
export function useTempDir(): Pick<TempDir, 'path' | 'file'> {
  let dir: TempDir;
  beforeEach(() => (dir = new TempDir()));
  afterEach(() => dir.remove());
  return {
    get path() {
      return dir.path;
    },
    file: (name, content) => dir.file(name, content),
  };
}

/** One simulator for the calling file (started before its tests, closed after), reset before each test. */
export function useSimulator(): { readonly current: Simulator } {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.state.reset());
  return {
    get current() {
      return sim;
    },
  };
}

/** An identify event that maps to a new Lead (email, last name, company), with `traits` added. */
export const identify = (email: string, traits: Record<string, unknown> = {}) => ({
  type: 'identify',
  userId: email,
  integrations: { Salesforce: true },
  traits: { email, lastName: 'Smith', company: 'Acme', ...traits },
});

/** NDJSON text of `lines`: a string as it is (a line that may not be JSON), anything else as JSON. */
export const ndjson = (lines: unknown[]): string =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
