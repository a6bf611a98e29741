/** The default log destination: whole lines written synchronously; a destination that is gone is not an error. */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdoutLines } from '../../../src/server/logging';

describe('StdoutLines', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stdout-lines-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has every line out when write returns', () => {
    const file = join(dir, 'log');
    const fd = openSync(file, 'a');
    const lines = new StdoutLines(fd);
    lines.write('{"msg":"one"}\n');
    lines.write(`{"msg":"${'é'.repeat(10_000)}"}\n`);
    expect(readFileSync(file, 'utf8')).toBe(`{"msg":"one"}\n{"msg":"${'é'.repeat(10_000)}"}\n`);
    closeSync(fd);
  });

  it('drops lines once its file descriptor is gone, without throwing', () => {
    const fd = openSync(join(dir, 'log'), 'a');
    closeSync(fd);
    const lines = new StdoutLines(fd);
    expect(() => lines.write('{"msg":"lost"}\n')).not.toThrow();
    expect(() => lines.write('{"msg":"lost too"}\n')).not.toThrow();
  });
});
