/**
 * The README's configuration table must list every key of the destination config schema, and nothing else: the
 * docs cannot drift from the code (the reference's mapProperty / mapProperties drift, W28).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SalesforceConfigSchema } from '../../src/v0/destinations/salesforce/config';

const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

describe('README', () => {
  it('documents every destination config key in the configuration reference', () => {
    const section = readme.slice(
      readme.indexOf('## Configuration reference'),
      readme.indexOf('## Supported events'),
    );
    const documented = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(SalesforceConfigSchema.properties).sort());
  });

  it('shows every preset exactly as its file holds it (the blocks are what users copy)', () => {
    const dir = path.join(__dirname, '../../src/v0/destinations/salesforce/data/presets');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    const blocks = new Map(
      [...readme.matchAll(/<!-- preset: ([\w-]+) -->\n```json\n([\s\S]*?)\n```/g)].map((m) => [m[1], m[2]]),
    );
    expect([...blocks.keys()].sort()).toEqual(files.map((f) => f.replace(/\.json$/, '')).sort());
    for (const file of files) {
      const shown = blocks.get(file.replace(/\.json$/, '')) ?? '';
      expect(JSON.parse(shown)).toEqual(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    }
  });

  it('starts with the run and test commands, each complete on a fresh clone', () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('npm ci && npm run demo');
    expect(firstScreen).toContain('npm ci && npm test');
  });
});
