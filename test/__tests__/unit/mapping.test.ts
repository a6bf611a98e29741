/**
 * The mapping engine (src/framework/mapping.ts, spec rudder-contract.md A.4): configs validated when loaded, with
 * fixture files under test/__tests__/data/mapping-fixtures/{valid,invalid}, the real data/*.json configs, and
 * `constructPayloadWithDefaults` semantics (a record's fields, and apart the placeholders only a create sends).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InstrumentationError, PlatformError } from '../../../src/framework/errors';
import {
  constructPayloadWithDefaults,
  isPresent,
  loadMappingConfig,
  sourceRoots,
  type MappingConfig,
} from '../../../src/framework/mapping';
import { thrownBy } from '../helpers/thrown';

type MappingMode = 'create' | 'update';

/** What a create (placeholders under real values) or an update (real values only) sends. */
function constructPayload(source: unknown, mapping: MappingConfig, mode: MappingMode = 'create') {
  const { payload, createDefaults } = constructPayloadWithDefaults(source, mapping);
  return mode === 'create' ? { ...createDefaults, ...payload } : payload;
}

const FIXTURES = path.join(__dirname, '..', 'data', 'mapping-fixtures');
const DATA = path.join(__dirname, '..', '..', '..', 'src', 'v0', 'destinations', 'salesforce', 'data');

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

interface InvalidFixture {
  file: string;
  expectError: string;
  config: unknown;
}

interface ValidCase {
  name: string;
  mode: MappingMode;
  source: unknown;
  expected: Record<string, unknown>;
}

interface ValidFixture {
  file: string;
  config: unknown;
  cases: ValidCase[];
}

const invalidFixtures: InvalidFixture[] = jsonFiles(path.join(FIXTURES, 'invalid')).map((file) => {
  const raw = readJson(path.join(FIXTURES, 'invalid', file));
  if (!isRecord(raw) || typeof raw.expectError !== 'string' || !('config' in raw)) {
    throw new Error(`invalid fixture ${file} must be {"expectError": string, "config": ...}`);
  }
  return { file, expectError: raw.expectError, config: raw.config };
});

const validFixtures: ValidFixture[] = jsonFiles(path.join(FIXTURES, 'valid')).map((file) => {
  const raw = readJson(path.join(FIXTURES, 'valid', file));
  if (!isRecord(raw) || !('config' in raw)) throw new Error(`valid fixture ${file} must be {"config": ...}`);
  const cases = Array.isArray(raw.cases) ? (raw.cases as ValidCase[]) : [];
  return { file, config: raw.config, cases };
});

describe('loadMappingConfig: fixtures', () => {
  it('has fixtures to run', () => {
    expect(invalidFixtures.length).toBeGreaterThanOrEqual(8);
    expect(validFixtures.length).toBeGreaterThanOrEqual(1);
  });

  it.each(invalidFixtures.map((f) => [f.file, f] as const))('rejects invalid/%s', (file, fixture) => {
    const error = thrownBy(() => loadMappingConfig(file, fixture.config));
    expect(error).toBeInstanceOf(PlatformError);
    const message = (error as Error).message;
    expect(message).toContain(fixture.expectError);
    expect(message.startsWith('Invalid mapping config ')).toBe(true);
    // The message names the file, so a contributor knows where to look.
    expect(message).toContain(file);
  });

  it.each(validFixtures.map((f) => [f.file, f] as const))(
    'accepts valid/%s and maps its cases',
    (file, fixture) => {
      const config = loadMappingConfig(file, fixture.config);
      expect(config).toEqual(fixture.config);
      for (const c of fixture.cases) {
        const source = deepFreeze(structuredClone(c.source));
        expect({ name: c.name, payload: constructPayload(source, config, c.mode) }).toEqual({
          name: c.name,
          payload: c.expected,
        });
      }
    },
  );
});

describe('the destination data files', () => {
  const identifyConfigs = jsonFiles(DATA).filter((f) => /^SFIdentify.*\.json$/.test(f));

  it('finds the Lead and Contact configs', () => {
    expect(identifyConfigs).toEqual(
      expect.arrayContaining(['SFIdentifyContactConfig.json', 'SFIdentifyLeadConfig.json']),
    );
  });

  it.each(identifyConfigs)('%s passes loadMappingConfig', (file) => {
    const raw = readJson(path.join(DATA, file));
    const config = loadMappingConfig(file, raw);
    expect(config.length).toBeGreaterThan(0);
    // LastName is required by Salesforce on create: both configs give it a create-only placeholder.
    const lastName = config.find((e) => e.destKey === 'LastName');
    expect(lastName?.metadata?.defaultOnCreate).toBe('n/a');
    expect(lastName?.metadata?.defaultValue).toBeUndefined();
  });

  it('SFNonCustomTraits.json is an array of unique non-empty strings', () => {
    const raw = readJson(path.join(DATA, 'SFNonCustomTraits.json'));
    expect(Array.isArray(raw)).toBe(true);
    const list = raw as unknown[];
    expect(list.length).toBeGreaterThan(0);
    for (const item of list) {
      expect(typeof item).toBe('string');
      expect((item as string).length).toBeGreaterThan(0);
    }
    expect(new Set(list).size).toBe(list.length);
  });
});

describe('source values and isPresent', () => {
  it.each<[unknown, boolean]>([
    ['x', true],
    [0, true],
    [false, true],
    [[], true],
    [{}, true],
    ['', false],
    [null, false],
    [undefined, false],
  ])('isPresent(%p) is %p', (value, expected) => {
    expect(isPresent(value)).toBe(expected);
  });

  it('skips "", null and NaN in a list of sources, takes the first present one', () => {
    const mapping = loadMappingConfig('test', [{ destKey: 'X', sourceKeys: ['a', 'b', 'c', 'd'] }]);
    expect(constructPayload({ a: '', b: null, c: Number.NaN, d: 0 }, mapping)).toEqual({ X: 0 });
    expect(constructPayload({ a: '', b: null, c: Number.NaN }, mapping)).toEqual({});
  });
});

describe('constructPayload', () => {
  const cfg = (config: unknown): MappingConfig => loadMappingConfig('test.json', config);

  it('reads a string source key raw: "" / null / NaN / undefined are dropped, 0 and false kept', () => {
    const mapping = cfg([
      { destKey: 'Empty', sourceKeys: 'empty' },
      { destKey: 'Null', sourceKeys: 'nul' },
      { destKey: 'NaN', sourceKeys: 'nan' },
      { destKey: 'Missing', sourceKeys: 'missing' },
      { destKey: 'Zero', sourceKeys: 'zero' },
      { destKey: 'False', sourceKeys: 'no' },
      { destKey: 'Text', sourceKeys: 'text' },
    ]);
    const source = { empty: '', nul: null, nan: Number.NaN, zero: 0, no: false, text: 'hello' };
    expect(constructPayload(source, mapping)).toEqual({ Zero: 0, False: false, Text: 'hello' });
  });

  it('takes the first present value of an array of source keys', () => {
    const mapping = cfg([{ destKey: 'City', sourceKeys: ['a', 'b', 'c', 'd', 'e'] }]);
    expect(constructPayload({ a: '', b: null, c: Number.NaN, d: 'Austin', e: 'Dallas' }, mapping)).toEqual({
      City: 'Austin',
    });
    expect(constructPayload({ a: 0, d: 'Austin' }, mapping)).toEqual({ City: 0 });
    expect(constructPayload({ b: false, d: 'Austin' }, mapping)).toEqual({ City: false });
    expect(constructPayload({ a: '', b: null }, mapping)).toEqual({});
  });

  it('reads nested source paths and writes nested destination keys', () => {
    const mapping = cfg([
      { destKey: 'Company.Name', sourceKeys: ['company.name', 'company'] },
      { destKey: 'Company.Size', sourceKeys: 'company.employees' },
    ]);
    expect(constructPayload({ company: { name: 'Acme', employees: 12 } }, mapping)).toEqual({
      Company: { Name: 'Acme', Size: 12 },
    });
    expect(constructPayload({ company: 'Initech' }, mapping)).toEqual({ Company: { Name: 'Initech' } });
  });

  it('applies defaultValue on create and update alike, defaultOnCreate only on create', () => {
    const mapping = cfg([
      { destKey: 'LeadSource', sourceKeys: 'source', metadata: { defaultValue: 'Web' } },
      { destKey: 'Company', sourceKeys: 'company', metadata: { defaultOnCreate: 'n/a' } },
      { destKey: 'Both', sourceKeys: 'both', metadata: { defaultValue: 'value', defaultOnCreate: 'create' } },
    ]);
    expect(constructPayload({}, mapping, 'create')).toEqual({
      LeadSource: 'Web',
      Company: 'n/a',
      Both: 'value',
    });
    expect(constructPayload({}, mapping, 'update')).toEqual({ LeadSource: 'Web', Both: 'value' });
    expect(constructPayload({}, mapping)).toEqual(constructPayload({}, mapping, 'create'));
    expect(constructPayload({ source: 'Partner', company: 'Acme', both: 'real' }, mapping, 'update')).toEqual(
      {
        LeadSource: 'Partner',
        Company: 'Acme',
        Both: 'real',
      },
    );
  });

  it('keeps falsy defaults 0 and false', () => {
    const mapping = cfg([
      { destKey: 'Count', sourceKeys: 'count', metadata: { defaultValue: 0 } },
      { destKey: 'OptOut', sourceKeys: ['optOut'], metadata: { defaultOnCreate: false } },
    ]);
    expect(constructPayload({}, mapping, 'create')).toEqual({ Count: 0, OptOut: false });
  });

  it.each<[string, unknown, unknown]>([
    ['toString of a number', 12, '12'],
    ['toString of an object', { a: 1 }, '{"a":1}'],
    ['toNumber of a numeric string', '3.5', 3.5],
    ['toNumber of text is dropped', 'abc', undefined],
    ['toInt', '42.9', 42],
    ['toFloat', '2.5e1x', 25],
    ['toLower', 'MiXeD@Example.COM', 'mixed@example.com'],
    ['trim', '  padded  ', 'padded'],
    ['trim to empty is dropped', '   ', undefined],
    ['toBoolean "yes"', 'yes', true],
    ['toBoolean "TRUE"', ' TRUE ', true],
    ['toBoolean "1"', '1', true],
    ['toBoolean "no" is kept as false', 'no', false],
    ['toBoolean 0 is kept as false', 0, false],
  ])('type %s', (name, input, expected) => {
    const type = name.split(' ')[0] as 'toString';
    const mapping = cfg([{ destKey: 'Out', sourceKeys: 'in', metadata: { type } }]);
    const payload = constructPayload({ in: input }, mapping);
    if (expected === undefined) expect(payload).toEqual({});
    else expect(payload).toEqual({ Out: expected });
  });

  it('applies an array of types in order', () => {
    const mapping = cfg([{ destKey: 'Email', sourceKeys: 'email', metadata: { type: ['trim', 'toLower'] } }]);
    expect(constructPayload({ email: '  Jane@Example.COM  ' }, mapping)).toEqual({
      Email: 'jane@example.com',
    });
  });

  it('converts a default value too', () => {
    const mapping = cfg([
      { destKey: 'Size', sourceKeys: 'size', metadata: { defaultValue: '10', type: 'toInt' } },
    ]);
    expect(constructPayload({}, mapping)).toEqual({ Size: 10 });
  });

  it('throws an InstrumentationError naming the source keys and the field when a required value is missing', () => {
    const mapping = cfg([
      { destKey: 'Email', sourceKeys: ['traits.email', 'context.traits.email'], required: true },
    ]);
    const error = thrownBy(() => constructPayload({ traits: { email: '' } }, mapping));
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toBe(
      'Missing required value from ["traits.email","context.traits.email"] (needed for Email)',
    );
  });

  it('accepts a required value of 0 or false, and a required value filled by a default', () => {
    const mapping = cfg([
      { destKey: 'A', sourceKeys: 'a', required: true },
      { destKey: 'B', sourceKeys: 'b', required: true },
      { destKey: 'C', sourceKeys: 'c', required: true, metadata: { defaultOnCreate: 'n/a' } },
    ]);
    expect(constructPayload({ a: 0, b: false }, mapping, 'create')).toEqual({ A: 0, B: false, C: 'n/a' });
    // A create placeholder satisfies `required`: an update simply leaves the field as it is in Salesforce.
    expect(constructPayload({ a: 0, b: false }, mapping, 'update')).toEqual({ A: 0, B: false });
    expect(() => constructPayload({ a: 0 }, mapping, 'update')).toThrow(InstrumentationError);
  });

  it('never mutates the source', () => {
    const mapping = cfg([
      { destKey: 'Email', sourceKeys: 'traits.email', metadata: { type: ['trim', 'toLower'] } },
      {
        destKey: 'Company',
        sourceKeys: ['traits.company.name', 'traits.company'],
        metadata: { defaultOnCreate: 'n/a' },
      },
      { destKey: 'Address.City', sourceKeys: 'traits.address.city' },
    ]);
    const source = { traits: { email: ' A@B.COM ', address: { city: 'Austin' } } };
    const before = structuredClone(source);
    const payload = constructPayload(deepFreeze(source), mapping);
    expect(payload).toEqual({ Email: 'a@b.com', Company: 'n/a', Address: { City: 'Austin' } });
    expect(source).toEqual(before);
  });

  it('returns a fresh object each call', () => {
    const mapping = cfg([{ destKey: 'Email', sourceKeys: 'email' }]);
    const a = constructPayload({ email: 'a@b.com' }, mapping);
    const b = constructPayload({ email: 'a@b.com' }, mapping);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });
});

describe('sourceRoots', () => {
  it('collects the top-level source keys of a mapping', () => {
    const mapping = loadMappingConfig('roots.json', [
      { destKey: 'City', sourceKeys: ['address.city', 'city'] },
      { destKey: 'Company', sourceKeys: 'company.name' },
      { destKey: 'Email', sourceKeys: 'email' },
    ]);
    expect([...sourceRoots(mapping)].sort()).toEqual(['address', 'city', 'company', 'email']);
  });
});
