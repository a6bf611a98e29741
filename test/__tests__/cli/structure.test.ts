/**
 * The CLI's code stays readable: no function in src/cli is longer than 60 lines (a long command is split into named
 * steps), and the CLI reaches the destination only through its public entry points.
 */
import { join, relative } from 'node:path';
import { longFunctions, MAX_LINES, privateImports, ROOT, sourcesUnder } from '../helpers/structure';

const cliDir = join(ROOT, 'src', 'cli');
const sources = sourcesUnder(cliDir);

describe('src/cli structure', () => {
  it('has the command files', () => {
    expect(sources.map((s) => relative(cliDir, s.fileName)).sort()).toEqual(
      expect.arrayContaining(['deliver.ts', 'demo.ts', 'index.ts', 'preview.ts', 'transform.ts']),
    );
  });

  it(`has no function longer than ${MAX_LINES} lines`, () => {
    expect(sources.flatMap(longFunctions)).toEqual([]);
  });

  it('imports values from the destination only through index.ts, transform.ts or networkHandler.ts', () => {
    expect(sources.flatMap(privateImports)).toEqual([]);
  });
});
