/**
 * `eventMappings` rules compiled (src/v0/destinations/salesforce/rules/compile.ts): every preset compiles, and every
 * bad rule gets a message naming the rule by index and name, the key, and what is allowed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESETS as EXPORTED_PRESETS } from '../../../src/v0/destinations/salesforce/index';
import { ConfigurationError, InstrumentationError } from '../../../src/framework/errors';
import type { RudderMessage } from '../../../src/framework/types';
import { parseConfig } from '../../../src/v0/destinations/salesforce/config';
import { toIntents } from '../../../src/v0/destinations/salesforce/records';
import { readSettings } from '../../../src/v0/destinations/salesforce/settings';
import { compileRules } from '../../../src/v0/destinations/salesforce/rules/compile';
import { thrownBy } from '../helpers/thrown';

const PRESETS = join(__dirname, '../../../src/v0/destinations/salesforce/data/presets');

const base = {
  name: 'companies',
  when: { type: 'group' },
  object: 'Account',
  operation: 'upsert',
  match: { fields: [{ field: 'AccountNumber', sourceKeys: 'groupId' }] },
  fields: [{ destKey: 'Name', sourceKeys: 'traits.name' }],
};
const rule = (change: Record<string, unknown>, drop: string[] = []) => {
  const out: Record<string, unknown> = { ...base, ...change };
  for (const key of drop) delete out[key];
  return out;
};

describe('presets', () => {
  it('are all exported by the destination (PRESETS), each equal to its file', () => {
    const files = readdirSync(PRESETS).map((f) => f.replace(/\.json$/, ''));
    expect(Object.keys(EXPORTED_PRESETS).sort()).toEqual(files.sort());
    for (const name of files)
      expect(EXPORTED_PRESETS[name]).toEqual(JSON.parse(readFileSync(join(PRESETS, `${name}.json`), 'utf8')));
  });

  it.each(readdirSync(PRESETS))('%s compiles', (file) => {
    const rules = compileRules(JSON.parse(readFileSync(join(PRESETS, file), 'utf8')));
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r.label).toMatch(/^eventMappings\[\d+\] \(".+"\)$/);
  });
});

describe('compileRules', () => {
  it('compiles a rule: its label, matcher, mapping and defaults', () => {
    const [compiled] = compileRules([rule({ when: { type: 'track', event: ['A', 'B'] } })]);
    expect(compiled).toMatchObject({
      label: 'eventMappings[0] ("companies")',
      type: 'track',
      object: 'Account',
      operation: 'upsert',
      match: { fields: [{ field: 'AccountNumber', sourceKeys: 'groupId' }], operator: 'and' },
      references: [],
      ifMultiple: 'error',
    });
    expect([...(compiled.events ?? [])]).toEqual(['A', 'B']);
    expect(compiled.mapping).toEqual([{ destKey: 'Name', sourceKeys: 'traits.name' }]);
  });

  it('no eventMappings means no rules; anything but an array is an error', () => {
    expect(compileRules(undefined)).toEqual([]);
    expect(thrownBy(() => compileRules({}))).toBeInstanceOf(ConfigurationError);
  });

  const P = 'Invalid Salesforce destination config: Config.eventMappings[0] ("companies")';
  it.each<[string, Record<string, unknown>, string]>([
    [
      'an unknown event type',
      rule({ when: { type: 'alias' } }),
      `${P}.when.type must be one of "identify", "track", "page", "screen", "group" or "record"`,
    ],
    [
      'an unknown operation',
      rule({ operation: 'merge' }),
      `${P}.operation must be one of "create", "update", "upsert" or "delete"`,
    ],
    [
      'an object name with a space',
      rule({ object: 'My Object' }),
      `${P}.object must match pattern "^[A-Za-z][A-Za-z0-9_]{0,254}$"`,
    ],
    ['an unknown key', rule({ objects: 'Account' }), `${P}.objects is not a known key`],
    ['a missing object', rule({}, ['object']), `${P}.object is required`],
    [
      'an unknown ifMultiple',
      rule({ ifMultiple: 'some' }),
      `${P}.ifMultiple must be one of "error", "first" or "all"`,
    ],
    [
      'a bad match operator',
      rule({ match: { fields: [{ field: 'A', sourceKeys: 'x' }], operator: 'xor' } }),
      `${P}.match.operator must be one of "and" or "or"`,
    ],
    ['an empty match', rule({ match: { fields: [] } }), `${P}.match.fields must NOT have fewer than 1 items`],
    ['a mapping entry without sourceKeys', rule({ fields: [{ destKey: 'Name' }] }), `${P}.fields[0]`],
    [
      'no operation',
      rule({}, ['operation']),
      `${P}: operation is required (create, update, upsert or delete)`,
    ],
    [
      'an update without a way to find the record',
      rule({ operation: 'update' }, ['match']),
      `${P}: update needs a way to find the record: set match or externalIdField`,
    ],
    [
      'a create with a match',
      rule({ operation: 'create' }),
      `${P}: a create finds no record: remove match and externalIdField`,
    ],
    [
      'both match and an external id',
      rule({ externalIdField: 'Ext__c', externalIdSourceKeys: 'groupId' }),
      `${P}: match and externalIdField are two ways to find the record: set one`,
    ],
    [
      'an external id field without its source',
      rule({ externalIdField: 'Ext__c' }, ['match']),
      `${P}: externalIdField and externalIdSourceKeys go together: set both or neither`,
    ],
    [
      'an event name on a group rule',
      rule({ when: { type: 'group', event: 'X' } }),
      `${P}: when.event names track events: use it with when.type track`,
    ],
    ['fields on a delete', rule({ operation: 'delete' }), `${P}: a delete writes no fields: remove fields`],
    [
      'ifMultiple on a create',
      rule({ operation: 'create', ifMultiple: 'all' }, ['match']),
      `${P}: ifMultiple applies to update, upsert and delete`,
    ],
    [
      'a field mapped twice',
      rule({
        fields: [
          { destKey: 'WhoId', sourceKeys: 'x' },
          {
            destKey: 'WhoId',
            reference: { object: 'Lead', match: { fields: [{ field: 'Email', sourceKeys: 'y' }] } },
          },
        ],
      }),
      `${P}.fields maps WhoId twice`,
    ],
    [
      'a plain field mapped twice',
      rule({
        fields: [
          { destKey: 'Name', sourceKeys: 'a' },
          { destKey: 'Name', sourceKeys: 'b' },
        ],
      }),
      `${P}.fields[1].destKey "Name" is mapped twice`,
    ],
  ])('%s', (_name, raw, message) => {
    const error = thrownBy(() => compileRules([raw]));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });

  it('names a rule without a name by its index only', () => {
    const error = thrownBy(() => compileRules([base, rule({ operation: 'merge' }, ['name'])]));
    expect((error as Error).message).toContain('Config.eventMappings[1].operation must be one of');
  });

  it('a record rule needs no operation or match: the event says', () => {
    expect(compileRules([{ when: { type: 'record' }, object: 'Contact' }])[0]).toMatchObject({
      type: 'record',
      object: 'Contact',
    });
  });
});

describe("a record event's action", () => {
  const config = parseConfig(
    {
      ID: 'dest-1',
      Config: {
        userName: 'u@example.com',
        password: 'pw',
        eventMappings: [{ name: 'warehouse', when: { type: 'record' }, object: 'Contact' }],
      },
      DestinationDefinition: { Name: 'SALESFORCE' },
    },
    readSettings({}),
  );
  const record = (action: string) => {
    // A record event carries keys the message schema leaves open (action, identifiers, fields).
    const message: RudderMessage = Object.assign(
      { type: 'record' },
      { action, identifiers: { Email: 'a@x.com' }, fields: { LastName: 'A' } },
    );
    return toIntents(message, config);
  };

  it('picks the operation: insert, update or delete, any letter case', () => {
    expect(record(' Insert ').map((i) => i.operation)).toEqual(['create']);
    expect(record('update').map((i) => i.operation)).toEqual(['update']);
    expect(record('DELETE').map((i) => i.operation)).toEqual(['delete']);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'refuses %s, a name every object has, as any other unknown action',
    (action) => {
      const error = thrownBy(() => record(action));
      expect(error).toBeInstanceOf(InstrumentationError);
      expect((error as Error).message).toBe(
        `eventMappings[0] ("warehouse"): a record event's action must be insert, update or delete (got ${JSON.stringify(action)}), or the rule must set operation`,
      );
    },
  );
});
