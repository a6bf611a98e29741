/**
 * `sf-destination install-into <checkout>`: write the one-line re-export files a rudder-transformer checkout needs to
 * load this destination instead of its own (see dropin.ts). By default they require this build by its absolute path;
 * with `--package <name>` they require the installed package (`<name>/dist/...`), for a checkout that installed it
 * with npm.
 */
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { CliError, type Io } from './common';
import { writeDropIn } from './dropin';

export interface InstallOptions {
  package?: string;
}

/** The build folder this CLI belongs to: `dist` when it runs from the build, the checkout's `dist` otherwise. */
export function buildFolder(here = __dirname): string {
  const parts = here.split(sep);
  const at = parts.lastIndexOf('dist');
  return at >= 0 ? parts.slice(0, at + 1).join(sep) : resolve(here, '..', '..', 'dist');
}

const BUILT_TRANSFORM = 'src/v0/destinations/salesforce/transform.js';

export function installInto(checkout: string, options: InstallOptions, io: Io): number {
  let target: string;
  if (options.package) {
    if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(options.package)) {
      throw new CliError(`--package must be an npm package name; got ${JSON.stringify(options.package)}`);
    }
    target = `${options.package}/dist`;
  } else {
    target = buildFolder();
    if (!existsSync(resolve(target, BUILT_TRANSFORM))) {
      throw new CliError(`No build at ${target}: run npm run build first, then install-into again`);
    }
  }
  const written = writeDropIn(checkout, target);
  io.out(`Wrote ${written.length} re-export files into ${checkout}:\n`);
  for (const file of written) io.out(`  ${relative(checkout, file)}\n`);
  io.out(`They load the destination from ${target}.\n`);
  return 0;
}
