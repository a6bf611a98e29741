/**
 * Every field a mapping file or preset writes (or matches on) exists on its object, as the simulated org describes it (the describes the tests
 * use come from the same schema): a `destKey` typo fails here instead of passing every test that never sends it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { objectSchema } from '../../../tools/salesforce-sim';

const DATA = join(__dirname, '../../../src/v0/destinations/salesforce/data');

/** Which object each mapping file writes. */
const OBJECT_OF: Record<string, string> = {
  'SFIdentifyLeadConfig.json': 'Lead',
  'SFIdentifyContactConfig.json': 'Contact',
};

/**
 * Standard fields that exist only when the org has the feature turned on, so a fresh org (and the simulator) lacks
 * them: an event that sends one to an org without the feature gets the describe check's clear 400.
 */
const ORG_FEATURE_FIELDS: Record<string, string> = {
  CurrencyIsoCode: 'multiple currencies',
  Division: 'divisions',
  RecordTypeId: 'record types',
  StateCode: 'state and country picklists',
  CountryCode: 'state and country picklists',
  MailingStateCode: 'state and country picklists',
  MailingCountryCode: 'state and country picklists',
};

const mappingFiles = readdirSync(DATA).filter((f) => /^SFIdentify.*Config\.json$/.test(f));

describe('mapping files write fields their objects have', () => {
  it('knows the object of every mapping file', () => {
    expect(mappingFiles.sort()).toEqual(Object.keys(OBJECT_OF).sort());
  });

  it.each(mappingFiles)('%s', (file) => {
    const object = objectSchema(OBJECT_OF[file]);
    if (!object) throw new Error(`the simulator has no ${OBJECT_OF[file]}`);
    const fields = new Map(object.fields.map((f) => [f.name, f]));
    const entries = JSON.parse(readFileSync(join(DATA, file), 'utf8')) as { destKey: string }[];
    const problems = entries.flatMap(({ destKey }) => {
      if (destKey in ORG_FEATURE_FIELDS) return [];
      const field = fields.get(destKey);
      if (!field) return [`${destKey}: no such field on ${object.name}`];
      if (!field.createable && !field.updateable) return [`${destKey}: read-only on ${object.name}`];
      return [];
    });
    expect(problems).toEqual([]);
  });
});

interface PresetRule {
  object: string;
  match?: { fields: { field: string }[] };
  externalIdField?: string;
  fields?: {
    destKey: string;
    reference?: { object: string | string[]; match: { fields: { field: string }[] } };
  }[];
}

/** Every field of a rule: [object, field, what the rule does with it]. */
function ruleFields(rule: PresetRule): [string, string, 'write' | 'match'][] {
  const out: [string, string, 'write' | 'match'][] = [];
  for (const { field } of rule.match?.fields ?? []) out.push([rule.object, field, 'match']);
  if (rule.externalIdField) out.push([rule.object, rule.externalIdField, 'match']);
  for (const entry of rule.fields ?? []) {
    out.push([rule.object, entry.destKey, 'write']);
    const ref = entry.reference;
    if (!ref) continue;
    for (const object of [ref.object].flat())
      for (const { field } of ref.match.fields) out.push([object, field, 'match']);
  }
  return out;
}

const PRESETS = join(DATA, 'presets');

describe('presets use fields their objects have', () => {
  it.each(readdirSync(PRESETS))('%s', (file) => {
    const rules = JSON.parse(readFileSync(join(PRESETS, file), 'utf8')) as PresetRule[];
    const problems = rules.flatMap(ruleFields).flatMap(([objectName, name, use]) => {
      // Custom fields (External IDs such as Order_Id__c) are for the user to create; the README says so.
      if (name.endsWith('__c')) return [];
      const object = objectSchema(objectName);
      if (!object) return [`${objectName}: the simulator has no such object`];
      const field = object.fields.find((f) => f.name === name);
      if (!field) return [`${objectName}.${name}: no such field`];
      if (use === 'write' && !field.createable) return [`${objectName}.${name}: cannot be written on create`];
      return [];
    });
    expect(problems).toEqual([]);
  });
});
