/**
 * The host's code stays readable: no function in src/server longer than 60 lines (the project's limit), so each
 * route and each step has a name; and the host reaches the destination only through its public entry points.
 */
import { join } from 'node:path';
import { longFunctions, MAX_LINES, privateImports, ROOT, sourcesUnder } from '../helpers/structure';

const sources = sourcesUnder(join(ROOT, 'src', 'server'));

describe('src/server structure', () => {
  it(`has no function over ${MAX_LINES} lines`, () => {
    expect(sources.length).toBeGreaterThan(5);
    expect(sources.flatMap(longFunctions)).toEqual([]);
  });

  it('imports values from the destination only through index.ts, transform.ts or networkHandler.ts', () => {
    expect(sources.flatMap(privateImports)).toEqual([]);
  });
});
