/** `install-into`: the re-export files a rudder-transformer checkout needs, written where it looks for them. */
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { buildFolder } from '../../../src/cli/installInto';
import { runCli, useTempDir } from './helpers';

const dir = useTempDir();

const FILES = [
  'src/v0/destinations/salesforce/transform.js',
  'src/v0/destinations/salesforce/deleteUsers.js',
  ...['v0', 'v1'].flatMap((v) =>
    ['salesforce', 'salesforce_oauth', 'salesforce_oauth_sandbox'].map(
      (n) => `src/${v}/destinations/${n}/networkHandler.js`,
    ),
  ),
];

it('writes one-line re-exports of the installed package for the transform, user deletion and every proxy handler directory', async () => {
  const run = await runCli(['install-into', dir.path, '--package', 'salesforce-destination']);
  expect(run.code).toBe(0);
  for (const file of FILES) {
    const lines = readFileSync(join(dir.path, file), 'utf8').trim().split('\n');
    expect(lines.filter((l) => !l.startsWith('//'))).toEqual([
      `module.exports = require("salesforce-destination/dist/${file}").bindHost(require);`,
    ]);
  }
  expect(run.stdout).toContain('Wrote 8 re-export files');
});

it('refuses a --package that is not an npm package name (exit 2), writing nothing', async () => {
  const run = await runCli(['install-into', dir.path, '--package', '../../etc']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--package must be an npm package name');
  expect(existsSync(join(dir.path, 'src'))).toBe(false);
});

it("finds the build folder it runs from, or the checkout's dist when it runs from the sources", () => {
  expect(buildFolder(['', 'x', 'dist', 'src', 'cli'].join(sep))).toBe(['', 'x', 'dist'].join(sep));
  expect(buildFolder(['', 'x', 'src', 'cli'].join(sep))).toBe(['', 'x', 'dist'].join(sep));
});
