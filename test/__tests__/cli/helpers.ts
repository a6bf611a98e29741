/** Running the CLI in-process with captured output, and temporary files for its inputs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli';

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
