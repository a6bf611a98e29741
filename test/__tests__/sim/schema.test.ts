import {
  objectSchema,
  orgSchema,
  type SchemaField,
  type SimOptions,
  standardObjectNames,
} from '../../../tools/salesforce-sim';
import { type Session, useSession } from './helpers';

const OPTIONS: SimOptions = {
  customFields: { Lead: { Score__c: 'int' }, Task: { Channel__c: 'picklist' } },
  customObjects: { Product__c: { Sku__c: 'string', Price__c: 'currency' } },
  externalIdFields: { Product__c: ['Sku__c'], Lead: ['Score__c'] },
};

type DescribeField = Pick<
  SchemaField,
  'name' | 'type' | 'createable' | 'updateable' | 'nillable' | 'externalId' | 'idLookup' | 'referenceTo'
>;

/** The properties describe and the exported schema are compared on. */
const compared = (f: DescribeField): DescribeField => ({
  name: f.name,
  type: f.type,
  createable: f.createable,
  updateable: f.updateable,
  nillable: f.nillable,
  externalId: f.externalId,
  idLookup: f.idLookup,
  referenceTo: f.referenceTo,
});

describe('salesforce-sim org schema for tests (no server)', () => {
  it('names the nine standard objects', () => {
    expect(standardObjectNames()).toEqual([
      'Lead',
      'Contact',
      'Account',
      'Opportunity',
      'Case',
      'Task',
      'Event',
      'Campaign',
      'CampaignMember',
    ]);
  });

  it('lists every field with its type and whether it can be written on create and on update', () => {
    const lead = objectSchema('lead');
    expect(lead?.name).toBe('Lead');
    const byName = new Map(lead?.fields.map((f) => [f.name, f]));
    expect(byName.get('Email')).toMatchObject({
      type: 'email',
      createable: true,
      updateable: true,
      idLookup: true,
    });
    expect(byName.get('LastName')).toMatchObject({ required: true, nillable: false, length: 80 });
    expect(byName.get('IsConverted')).toMatchObject({
      type: 'boolean',
      createable: false,
      updateable: false,
    });
    expect(byName.get('Status')).toMatchObject({
      defaultedOnCreate: true,
      defaultValue: 'Open - Not Contacted',
    });
    const member = new Map(objectSchema('CampaignMember')?.fields.map((f) => [f.name, f]));
    expect(member.get('CampaignId')).toMatchObject({
      type: 'reference',
      createable: true,
      updateable: false,
      required: true,
      referenceTo: ['Campaign'],
    });
    const task = new Map(objectSchema('Task')?.fields.map((f) => [f.name, f]));
    expect(task.get('WhatId')?.referenceTo).toEqual(['Account', 'Opportunity', 'Case', 'Campaign']);
    expect(objectSchema('Nope')).toBeUndefined();
  });

  it('follows the options: custom fields, custom objects and external ids', () => {
    const schema = orgSchema(OPTIONS);
    expect(schema.map((o) => o.name)).toEqual([...standardObjectNames(), 'Product__c']);
    const product = objectSchema('Product__c', OPTIONS);
    expect(product).toMatchObject({ custom: true, keyPrefix: 'a00' });
    expect(product?.fields.find((f) => f.name === 'Sku__c')).toMatchObject({
      externalId: true,
      custom: true,
    });
    expect(objectSchema('Lead', OPTIONS)?.fields.find((f) => f.name === 'Score__c')).toMatchObject({
      type: 'int',
      externalId: true,
    });
    expect(objectSchema('Task', OPTIONS)?.fields.map((f) => f.name)).toContain('Channel__c');
    expect(objectSchema('Product__c')).toBeUndefined();
    expect(() => orgSchema({ externalIdFields: { Lead: ['Nope'] } })).toThrow(/unknown field Lead.Nope/);
  });

  it('is a pure function: each call returns fresh data that callers may change', () => {
    const first = objectSchema('Account');
    expect(first?.fields.map((f) => f.name)).toContain('Name');
    first?.fields.splice(0);
    const referenceTo = objectSchema('Task')?.fields.find((f) => f.name === 'WhoId')?.referenceTo;
    referenceTo?.push('Account');
    expect(objectSchema('Account')?.fields.map((f) => f.name)).toContain('Name');
    expect(objectSchema('Task')?.fields.find((f) => f.name === 'WhoId')?.referenceTo).toEqual([
      'Lead',
      'Contact',
    ]);
    expect(orgSchema(OPTIONS)).toEqual(orgSchema(OPTIONS));
  });
});

describe('salesforce-sim org schema agrees with describe', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  }, OPTIONS);

  it('for every object, the same fields with the same type, createable, updateable and references', async () => {
    for (const object of orgSchema(OPTIONS)) {
      const r = await s.api<{ fields: DescribeField[] }>('GET', `/sobjects/${object.name}/describe`);
      expect(r.status).toBe(200);
      expect(object.fields.map(compared)).toEqual(r.body.fields.map(compared));
    }
  });
});
