/**
 * Every field a mapping file writes exists on its object, as the simulated org describes it (the describes the tests
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
