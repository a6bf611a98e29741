/**
 * Which events are for Salesforce (`checkEvent`) and which records an identify writes (`toIntents`):
 * src/v0/destinations/salesforce/records.ts, spec rudder-contract.md B.3 and weaknesses W19, W20, W26.
 */
import { FilteredEventsError, InstrumentationError } from '../../../src/framework/errors';
import type { Destination, RudderMessage } from '../../../src/framework/types';
import { parseConfig, type SalesforceConfig } from '../../../src/v0/destinations/salesforce/config';
import type { Intent } from '../../../src/v0/destinations/salesforce/plan/state';
import { checkEvent, toIntents } from '../../../src/v0/destinations/salesforce/records';
import { readSettings } from '../../../src/v0/destinations/salesforce/settings';
import { thrownBy } from '../helpers/thrown';

const destination = (
  config: Record<string, unknown> = {},
  name = 'SALESFORCE',
  displayName = 'Salesforce',
): Destination => ({
  ID: 'dest-1',
  Config: { userName: 'u@example.com', password: 'pw', ...config },
  DestinationDefinition: { Name: name, DisplayName: displayName },
});

const configOf = (d: Destination): SalesforceConfig => parseConfig(d, readSettings({}));

/** What an intent targets: its object, operation and how the record is found. */
const targetOf = ({ object, operation, find }: Intent) => ({ object, operation, find });
const leadByEmail = (email: string) => ({
  object: 'Lead',
  operation: 'upsert',
  find: { kind: 'match', fields: [{ field: 'Email', value: email }], operator: 'and' },
});
const byId = (object: string, id: string) => ({ object, operation: 'update', find: { kind: 'id', id } });
const created = (object: string) => ({ object, operation: 'create', find: { kind: 'new' } });

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};

const identify = (extra: Partial<RudderMessage> = {}): RudderMessage => ({
  type: 'identify',
  traits: { email: 'a@b.com' },
  integrations: { Salesforce: true },
  ...extra,
});

describe('checkEvent', () => {
  const dest = destination();
  const config = configOf(dest);

  it.each([undefined, null, '', '  '])('says an event without a type (%p) has none', (type) => {
    const error = thrownBy(() => checkEvent({ ...identify(), type }, config, dest));
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toBe(
      'The event has no type (message.type): Salesforce accepts identify events only',
    );
  });

  it.each<[string, unknown, string]>([
    ['track', 'track', '"track"'],
    ['page', 'page', '"page"'],
    ['a numeric type', 7, '7'],
  ])('rejects %s with an InstrumentationError naming the type', (_name, type, named) => {
    const error = thrownBy(() => checkEvent({ ...identify(), type }, config, dest));
    expect(error).toBeInstanceOf(InstrumentationError);
    const message = (error as Error).message;
    expect(message).toContain(`message type ${named} is not supported`);
    expect(message).toContain('identify');
  });

  it('accepts identify whatever its case and surrounding spaces', () => {
    expect(() => checkEvent(identify({ type: ' Identify ' }), config, dest)).not.toThrow();
  });

  it('filters an identify without integrations (298) and says how to enable it', () => {
    const error = thrownBy(() => checkEvent(identify({ integrations: undefined }), config, dest));
    expect(error).toBeInstanceOf(FilteredEventsError);
    expect((error as FilteredEventsError).status).toBe(298);
    expect((error as FilteredEventsError).statTags).toEqual({});
    const message = (error as Error).message;
    expect(message).toContain('"integrations": {"Salesforce": true}');
    expect(message).toContain('requireExplicitOptIn');
  });

  it.each<[string, Record<string, unknown>]>([
    ['Salesforce: true', { Salesforce: true }],
    ['salesforce: true', { salesforce: true }],
    ['SALESFORCE: {} (an options object)', { SALESFORCE: {} }],
    ['SALESFORCE: {options}', { SALESFORCE: { lookup: 'email' } }],
    ['"Salesforce V2": true', { 'Salesforce V2': true }],
    ['" salesforce " with spaces', { ' salesforce ': true }],
    ['All: false with Salesforce: true', { All: false, Salesforce: true }],
  ])('enables with %s', (_name, integrations) => {
    expect(() => checkEvent(identify({ integrations }), config, dest)).not.toThrow();
  });

  it('enables with the definition display name', () => {
    const d = destination({}, 'SALESFORCE_OAUTH', 'My Custom Salesforce');
    expect(() =>
      checkEvent(identify({ integrations: { 'My Custom Salesforce': true } }), configOf(d), d),
    ).not.toThrow();
  });

  it.each<[string, Record<string, unknown>]>([
    ['All: true alone', { All: true }],
    ['another destination', { HubSpot: true }],
    ['Salesforce: "true" (a string)', { Salesforce: 'true' }],
    ['an empty object', {}],
  ])('does not enable with %s', (_name, integrations) => {
    expect(thrownBy(() => checkEvent(identify({ integrations }), config, dest))).toBeInstanceOf(
      FilteredEventsError,
    );
  });

  it('filters Salesforce: false even when requireExplicitOptIn is false', () => {
    const d = destination({ requireExplicitOptIn: false });
    const error = thrownBy(() =>
      checkEvent(identify({ integrations: { All: true, Salesforce: false } }), configOf(d), d),
    );
    expect(error).toBeInstanceOf(FilteredEventsError);
    expect((error as Error).message).toContain('false');
  });

  it('lets an identify without integrations through when requireExplicitOptIn is false', () => {
    const d = destination({ requireExplicitOptIn: false });
    expect(() => checkEvent(identify({ integrations: undefined }), configOf(d), d)).not.toThrow();
    expect(() => checkEvent(identify({ integrations: { All: true } }), configOf(d), d)).not.toThrow();
  });

  it('checks the type before the opt-in', () => {
    const error = thrownBy(() => checkEvent({ type: 'track', integrations: {} }, config, dest));
    expect(error).toBeInstanceOf(InstrumentationError);
  });
});

describe('toIntents', () => {
  const dest = destination();
  const config = configOf(dest);

  it('looks a Lead up by traits.email, its fields mapped, placeholders only for a create', () => {
    const intents = toIntents(identify({ traits: { email: ' a@b.com ', name: 'A' } }), config);
    expect(intents.map(targetOf)).toEqual([leadByEmail('a@b.com')]);
    // The record carries the address it is found by, trimmed.
    expect(intents[0].fields).toEqual({
      fields: { Email: 'a@b.com', FirstName: 'A' },
      createDefaults: { Company: 'n/a', LastName: 'n/a' },
    });
    expect(intents[0].multipleMessage).toBe("Multiple lead records found with email 'a@b.com'");
    // The converted Lead's Contact gets the Contact mapping of the same traits.
    expect(intents[0].contactFields?.()).toEqual({
      fields: { Email: 'a@b.com', FirstName: 'A' },
      createDefaults: { LastName: 'n/a' },
    });
  });

  it('falls back to context.traits.email', () => {
    const intents = toIntents(
      { type: 'identify', context: { traits: { email: 'ctx@b.com', title: 'CEO' } } },
      config,
    );
    expect(intents.map(targetOf)).toEqual([leadByEmail('ctx@b.com')]);
    expect(intents[0].fields.fields).toEqual({ Email: 'ctx@b.com', Title: 'CEO' });
  });

  it('falls back to properties.email', () => {
    const intents = toIntents(
      identify({ traits: { title: 'CEO' }, properties: { email: 'prop@b.com' } }),
      config,
    );
    expect(intents.map(targetOf)).toEqual([leadByEmail('prop@b.com')]);
    // A Lead created from it must be found by it next time: the address is written too.
    expect(intents[0].fields.fields).toEqual({ Email: 'prop@b.com', Title: 'CEO' });
  });

  it('uses mapProperty from the config: off, the traits are sent as they are', () => {
    const d = destination({ mapProperty: false });
    const [intent] = toIntents(identify({ traits: { email: 'a@b.com', title: 'CEO' } }), configOf(d));
    expect(intent.fields).toEqual({ fields: { email: 'a@b.com', title: 'CEO' }, createDefaults: {} });
  });

  it('throws an InstrumentationError without an email', () => {
    const error = thrownBy(() => toIntents(identify({ traits: { name: 'No Email' } }), config));
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toContain('Invalid Email address for Lead Object');
  });

  it.each<[string, unknown]>([
    ['a number', 42],
    ['an object', { address: 'a@b.com' }],
  ])('rejects an email that is %s', (_name, email) => {
    const error = thrownBy(() => toIntents(identify({ traits: { email } }), config));
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toContain('traits.email must be a string');
  });

  it('throws an InstrumentationError without a traits object', () => {
    const error = thrownBy(() => toIntents({ type: 'identify', traits: 'nope' }, config));
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toContain('PROCESS IDENTIFY: Invalid traits for Salesforce request');
  });

  it('gives one intent per Salesforce-<Object> external id: with an id it updates, without one it creates, traits unmapped', () => {
    const intents = toIntents(
      identify({
        traits: { email: 'a@b.com', Name: 'Acme' },
        context: {
          externalId: [
            { type: 'Salesforce-Contact', id: '003000000000001' },
            { type: 'Salesforce-Account' },
            { type: 'salesforce-Custom_Obj__c', id: 'a01000000000001', identifierType: 'Id' },
          ],
        },
      }),
      config,
    );
    expect(intents.map(targetOf)).toEqual([
      byId('Contact', '003000000000001'),
      created('Account'),
      byId('Custom_Obj__c', 'a01000000000001'),
    ]);
    for (const intent of intents) {
      // Product description: an object named by the event gets the traits as they are.
      expect(intent.fields).toEqual({ fields: { email: 'a@b.com', Name: 'Acme' }, createDefaults: {} });
    }
  });

  it('ignores external ids of other destinations', () => {
    const intents = toIntents(
      identify({
        context: {
          externalId: [
            { type: 'hubspot-contact', id: '1' },
            { type: 'MySalesforce-Contact', id: '2' },
          ],
        },
      }),
      config,
    );
    expect(intents.map(targetOf)).toEqual([leadByEmail('a@b.com')]);
  });

  it('ignores an external id entry without a type instead of crashing (W20 fixed)', () => {
    const intents = toIntents(
      identify({
        context: { externalId: [{ id: 'x' }, null, 'junk', { type: 'Salesforce-Contact', id: '003A' }] },
      }),
      config,
    );
    expect(intents.map(targetOf)).toEqual([byId('Contact', '003A')]);
  });

  it('accepts a single external id object as well as an array', () => {
    const intents = toIntents(
      identify({ context: { externalId: { type: 'Salesforce-Contact', id: '003A' } } }),
      config,
    );
    expect(intents.map(targetOf)).toEqual([byId('Contact', '003A')]);
  });

  it.each([
    'Salesforce-Lead WHERE Id != null',
    'Salesforce-Contact) OR (Id',
    "Salesforce-Lead'",
    'Salesforce-',
  ])('rejects the hostile object type %p', (type) => {
    const error = thrownBy(() =>
      toIntents(identify({ context: { externalId: [{ type, id: '003A' }] } }), config),
    );
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toContain('context.externalId[0].type');
  });

  describe('reverse ETL (mappedToDestination)', () => {
    const retl = (
      externalId: unknown,
      traits: Record<string, unknown> = { Name: 'Acme' },
    ): RudderMessage => ({
      type: 'identify',
      traits,
      context: { mappedToDestination: true, externalId },
    });

    it('updates by Id, with the traits as they are', () => {
      const intents = toIntents(
        retl([{ type: 'Salesforce-Account', id: '001000000000001', identifierType: 'Id' }]),
        config,
      );
      expect(intents.map(targetOf)).toEqual([byId('Account', '001000000000001')]);
      expect(intents[0].fields).toEqual({ fields: { Name: 'Acme' }, createDefaults: {} });
    });

    it('accepts the OAuth definitions prefixes and "true" as a string', () => {
      const message: RudderMessage = {
        type: 'identify',
        traits: { Name: 'Acme' },
        context: {
          mappedToDestination: 'true',
          externalId: [{ type: 'SALESFORCE_OAUTH_SANDBOX-Account', id: '001A', identifierType: 'id' }],
        },
      };
      expect(toIntents(message, config).map(targetOf)).toEqual([byId('Account', '001A')]);
    });

    it('finds the record by another field, and writes that field', () => {
      const intents = toIntents(
        retl([{ type: 'Salesforce-Custom_Obj__c', id: 'ext-42', identifierType: 'External_Id__c' }]),
        config,
      );
      expect(intents.map(targetOf)).toEqual([
        {
          object: 'Custom_Obj__c',
          operation: 'upsert',
          find: { kind: 'match', fields: [{ field: 'External_Id__c', value: 'ext-42' }], operator: 'and' },
        },
      ]);
      expect(intents[0].fields).toEqual({
        fields: { Name: 'Acme', External_Id__c: 'ext-42' },
        createDefaults: {},
      });
      expect(intents[0].multipleMessage).toBe(
        "Multiple Custom_Obj__c records found with External_Id__c 'ext-42'",
      );
    });

    it('keeps the object name as cased (W19)', () => {
      expect(
        targetOf(
          toIntents(retl([{ type: 'Salesforce-Contact', id: '003A', identifierType: 'Id' }]), config)[0],
        ),
      ).toEqual(byId('Contact', '003A'));
    });

    it('uses the first Salesforce entry, skipping others', () => {
      const intents = toIntents(
        retl([
          { type: 'hubspot-x', id: '1', identifierType: 'id' },
          { type: 'Salesforce-Account', id: '001A', identifierType: 'Id' },
        ]),
        config,
      );
      expect(intents.map(targetOf)).toEqual([byId('Account', '001A')]);
    });

    it.each<[string, unknown, string]>([
      ['no external id', undefined, 'Salesforce-<Object>'],
      ['no id', [{ type: 'Salesforce-Account', identifierType: 'Id' }], 'lacks id'],
      ['an empty id', [{ type: 'Salesforce-Account', id: '', identifierType: 'Id' }], 'lacks id'],
      ['no identifierType', [{ type: 'Salesforce-Account', id: '001A' }], 'lacks identifierType'],
    ])('rejects %s with the "Invalid externalId" error', (_name, externalId, detail) => {
      const error = thrownBy(() => toIntents(retl(externalId), config));
      expect(error).toBeInstanceOf(InstrumentationError);
      const message = (error as Error).message;
      expect(message).toContain('Invalid externalId. id, type, identifierType must be provided');
      expect(message).toContain(detail);
    });

    it.each<[string, Record<string, unknown>]>([
      ['object type', { type: 'Salesforce-Account WHERE Id != null', id: '001A', identifierType: 'Id' }],
      ['identifierType', { type: 'Salesforce-Account', id: '001A', identifierType: "Name = 'x' OR Name" }],
    ])('rejects a hostile %s', (what, entry) => {
      const error = thrownBy(() => toIntents(retl([entry]), config));
      expect(error).toBeInstanceOf(InstrumentationError);
      expect((error as Error).message).toContain(`externalId ${what}`);
    });

    it('rejects an object id for a lookup by field', () => {
      const error = thrownBy(() =>
        toIntents(
          retl([{ type: 'Salesforce-Account', id: { nested: 1 }, identifierType: 'External_Id__c' }]),
          config,
        ),
      );
      expect(error).toBeInstanceOf(InstrumentationError);
    });
  });

  it("never mutates the event's traits (W26)", () => {
    const traits = { Name: 'Acme', Id: '001A', email: 'a@b.com' };
    const message = deepFreeze<RudderMessage>({
      type: 'identify',
      traits,
      context: {
        mappedToDestination: true,
        externalId: [{ type: 'Salesforce-Account', id: 'ext-1', identifierType: 'External_Id__c' }],
      },
    });
    const [intent] = toIntents(message, config);
    expect(traits).toEqual({ Name: 'Acme', Id: '001A', email: 'a@b.com' });
    expect(intent.fields.fields).not.toBe(traits);
    // The Id belongs in the URL, not in the body; the identifier is written so the record can be found next time.
    expect(intent.fields.fields).toEqual({ Name: 'Acme', email: 'a@b.com', External_Id__c: 'ext-1' });

    const plain = deepFreeze(identify({ traits: { email: 'a@b.com' } }));
    const [lead] = toIntents(plain, config);
    expect(lead.fields.fields).not.toBe(plain.traits);
  });
});
