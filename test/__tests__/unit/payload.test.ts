/**
 * Traits → Salesforce fields (src/v0/destinations/salesforce/payload.ts): Lead and Contact mappings, custom `__c`
 * traits, and create-only placeholders kept apart from the fields an update sends (W14 fixed, W15 partly).
 */
import { InstrumentationError } from '../../../src/framework/errors';
import { buildFields, NON_CUSTOM_TRAITS } from '../../../src/v0/destinations/salesforce/payload';
import { thrownBy } from '../helpers/thrown';

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};

/** The product description's identify example (the duplicated `state` key resolves to its last value, 'TX'). */
const PRODUCT_EXAMPLE = {
  name: 'John Doe',
  title: 'CEO',
  email: 'name.surname@domain.com',
  company: 'Company123',
  phone: '123-456-7890',
  state: 'TX',
  rating: 'Hot',
  city: 'Austin',
  postalCode: '12345',
  country: 'US',
  street: 'Sample Address',
};

describe('buildFields: Lead', () => {
  it("maps the product description's example traits exactly", () => {
    expect(buildFields('Lead', PRODUCT_EXAMPLE, true)).toEqual({
      fields: {
        FirstName: 'John',
        LastName: 'Doe',
        Title: 'CEO',
        Email: 'name.surname@domain.com',
        Company: 'Company123',
        Phone: '123-456-7890',
        State: 'TX',
        Rating: 'Hot',
        City: 'Austin',
        PostalCode: '12345',
        Country: 'US',
        Street: 'Sample Address',
      },
      createDefaults: {},
    });
  });

  it('is case-insensitive on the object name', () => {
    expect(buildFields('lead', PRODUCT_EXAMPLE, true)).toEqual(buildFields('Lead', PRODUCT_EXAMPLE, true));
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]>([
    ['"Peter Gibbons"', { name: 'Peter Gibbons' }, { FirstName: 'Peter', LastName: 'Gibbons' }, {}],
    ['"Peter"', { name: 'Peter' }, { FirstName: 'Peter' }, { LastName: 'n/a' }],
    ['"Peter " (trailing space)', { name: 'Peter ' }, { FirstName: 'Peter' }, { LastName: 'n/a' }],
    ['"Mary Ann Smith"', { name: 'Mary Ann Smith' }, { FirstName: 'Mary', LastName: 'Smith' }, {}],
    ['absent', {}, {}, { LastName: 'n/a' }],
    [
      'explicit firstName / lastName win over name',
      { name: 'Peter Gibbons', firstName: 'Pete', lastName: 'G' },
      { FirstName: 'Pete', LastName: 'G' },
      {},
    ],
    [
      'name with only lastName given',
      { name: 'Peter Gibbons', lastName: 'Bolton' },
      { FirstName: 'Peter', LastName: 'Bolton' },
      {},
    ],
  ])('splits name %s (spec A.4.5)', (_name, traits, nameFields, nameDefaults) => {
    const { fields, createDefaults } = buildFields('Lead', { ...traits, company: 'Initech' }, true);
    expect(fields).toEqual({ ...nameFields, Company: 'Initech' });
    expect(createDefaults).toEqual(nameDefaults);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['newProp → newProp__c', { newProp: 'x' }, { newProp__c: 'x' }],
    ['snake_case_trait → snake_case_trait__c', { snake_case_trait: 'y' }, { snake_case_trait__c: 'y' }],
    [
      'casing kept',
      { PreferredColor: 'blue', preferredcolor: 'red' },
      { PreferredColor__c: 'blue', preferredcolor__c: 'red' },
    ],
    ['an existing __c key is not doubled', { Score__c: 12 }, { Score__c: 12 }],
    ['0 and false kept', { visits: 0, vip: false }, { visits__c: 0, vip__c: false }],
    ["'' and null dropped", { empty: '', nothing: null, missing: undefined }, {}],
    ['digits and underscores inside the name', { plan_2024_v2: 'pro' }, { plan_2024_v2__c: 'pro' }],
  ])('custom trait: %s', (_name, custom, expected) => {
    const { fields } = buildFields(
      'Lead',
      { email: 'a@b.com', company: 'Acme', lastName: 'Doe', ...custom },
      true,
    );
    expect(fields).toEqual({ Email: 'a@b.com', Company: 'Acme', LastName: 'Doe', ...expected });
  });

  it('never turns a standard trait into a custom field', () => {
    const traits: Record<string, unknown> = {};
    for (const trait of NON_CUSTOM_TRAITS) traits[trait] = 'v';
    const { fields } = buildFields('Lead', traits, true);
    expect(Object.keys(fields).filter((k) => k.endsWith('__c'))).toEqual([]);
  });

  it.each(['favorite color', 'a-b', 'a.b', '1st', 'näme', "o'k", 'x) OR (y'])(
    'rejects the trait %p with an InstrumentationError naming it',
    (key) => {
      const error = thrownBy(() => buildFields('Lead', { email: 'a@b.com', [key]: 'value' }, true));
      expect(error).toBeInstanceOf(InstrumentationError);
      expect((error as Error).message).toContain(`"${key}"`);
    },
  );

  it('ignores a badly named trait whose value is empty', () => {
    expect(buildFields('Lead', { email: 'a@b.com', 'favorite color': '' }, true).fields).toEqual({
      Email: 'a@b.com',
    });
  });

  it('keeps n/a placeholders out of the fields and puts them in createDefaults only when missing', () => {
    const missing = buildFields('Lead', { email: 'a@b.com' }, true);
    expect(missing.fields).toEqual({ Email: 'a@b.com' });
    expect(missing.createDefaults).toEqual({ LastName: 'n/a', Company: 'n/a' });

    const present = buildFields(
      'Lead',
      { email: 'a@b.com', lastName: 'Doe', company: { name: 'Acme' } },
      true,
    );
    expect(present.fields).toEqual({ Email: 'a@b.com', LastName: 'Doe', Company: 'Acme' });
    expect(present.createDefaults).toEqual({});
  });

  it('never puts an n/a placeholder in fields, whatever the traits', () => {
    const samples: Record<string, unknown>[] = [
      {},
      { name: 'Peter' },
      { company: '' },
      { lastName: null, company: null },
      { name: '' },
      { firstName: 'A' },
    ];
    for (const traits of samples) {
      expect(Object.values(buildFields('Lead', traits, true).fields)).not.toContain('n/a');
    }
  });

  it('maps nested company and address traits', () => {
    const { fields } = buildFields(
      'Lead',
      {
        email: 'a@b.com',
        lastName: 'Doe',
        company: { name: 'Acme', industry: 'Retail', employee_count: 50, annualRevenue: 1000 },
        address: { city: 'Paris', country: 'FR', postalCode: '75001', street: '1 Rue', state: 'IDF' },
        city: 'Ignored because address.city wins',
      },
      true,
    );
    expect(fields).toEqual({
      Email: 'a@b.com',
      LastName: 'Doe',
      Company: 'Acme',
      Industry: 'Retail',
      NumberOfEmployees: 50,
      AnnualRevenue: 1000,
      City: 'Paris',
      Country: 'FR',
      PostalCode: '75001',
      Street: '1 Rue',
      State: 'IDF',
    });
  });

  it('never mutates the traits', () => {
    const traits = deepFreeze({ ...PRODUCT_EXAMPLE, newProp: 'x', address: { city: 'Austin' } });
    const before = structuredClone(traits);
    buildFields('Lead', traits, true);
    expect(traits).toEqual(before);
  });
});

describe('buildFields: Contact', () => {
  it('maps address traits to Mailing* fields and keeps LastName default for creates only', () => {
    const { fields, createDefaults } = buildFields(
      'Contact',
      {
        email: 'a@b.com',
        firstName: 'Ann',
        city: 'Austin',
        state: 'TX',
        country: 'US',
        postalCode: '12345',
        street: '1 Main St',
        phone: '555',
        title: 'CTO',
      },
      true,
    );
    expect(fields).toEqual({
      Email: 'a@b.com',
      FirstName: 'Ann',
      MailingCity: 'Austin',
      MailingState: 'TX',
      MailingCountry: 'US',
      MailingPostalCode: '12345',
      MailingStreet: '1 Main St',
      Phone: '555',
      Title: 'CTO',
    });
    expect(createDefaults).toEqual({ LastName: 'n/a' });
  });

  it('prefers address.* over flat traits and splits name', () => {
    const { fields, createDefaults } = buildFields(
      'Contact',
      { name: 'Peter Gibbons', address: { city: 'Paris' }, city: 'Austin' },
      true,
    );
    expect(fields).toEqual({ FirstName: 'Peter', LastName: 'Gibbons', MailingCity: 'Paris' });
    expect(createDefaults).toEqual({});
  });

  it('has no Company placeholder and no company custom field (W15)', () => {
    const { fields, createDefaults } = buildFields(
      'Contact',
      { lastName: 'Doe', company: 'Acme', newProp: 1 },
      true,
    );
    expect(fields).toEqual({ LastName: 'Doe', newProp__c: 1 });
    expect(createDefaults).toEqual({});
  });
});

describe('buildFields: other objects and mapped=false', () => {
  it('sends the traits of another object as they are, minus Id', () => {
    const traits = {
      Id: '001000000000001',
      Name: 'Acme',
      Industry: 'Retail',
      custom_field__c: 0,
      Flag__c: false,
      Blank__c: '',
    };
    expect(buildFields('Account', traits, true)).toEqual({
      fields: { Name: 'Acme', Industry: 'Retail', custom_field__c: 0, Flag__c: false, Blank__c: '' },
      createDefaults: {},
    });
  });

  it('drops undefined values but keeps null (a null clears a field)', () => {
    expect(buildFields('Account', { Name: 'Acme', Phone: null, Fax: undefined }, true).fields).toEqual({
      Name: 'Acme',
      Phone: null,
    });
  });

  it('sends Lead traits unmapped when mapped is false', () => {
    const traits = { Id: '00Q000000000001', Email: 'a@b.com', LastName: 'Doe', newProp: 'x' };
    expect(buildFields('Lead', traits, false)).toEqual({
      fields: { Email: 'a@b.com', LastName: 'Doe', newProp: 'x' },
      createDefaults: {},
    });
  });

  it('does not mutate the traits when dropping Id', () => {
    const traits = deepFreeze({ Id: '001', Name: 'Acme' });
    expect(buildFields('Account', traits, false).fields).toEqual({ Name: 'Acme' });
    expect(traits).toEqual({ Id: '001', Name: 'Acme' });
  });
});
