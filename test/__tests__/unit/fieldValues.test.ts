/** Values against their fields' types (src/v0/destinations/salesforce/fieldValues.ts). */
import { InstrumentationError } from '../../../src/framework/errors';
import type { ObjectDescription } from '../../../src/v0/destinations/salesforce/client';
import { checkValues, convertValue, lookupValue } from '../../../src/v0/destinations/salesforce/fieldValues';
import type { SoqlValue } from '../../../src/v0/destinations/salesforce/soql';
import { thrownBy } from '../helpers/thrown';

describe('convertValue', () => {
  it.each<[string, unknown, string, unknown]>([
    ['text takes any scalar', 42, 'string', 42],
    ['text takes a boolean', true, 'phone', true],
    ['null clears any field', null, 'double', null],
    ['a number for a double', 1.5, 'double', 1.5],
    ['a numeric string for a currency', ' 12.50 ', 'currency', 12.5],
    ['a whole number for an int', '7', 'int', 7],
    ['a boolean for a checkbox', false, 'boolean', false],
    ['"TRUE" for a checkbox', 'TRUE', 'boolean', true],
    ['a date', '2026-01-31', 'date', '2026-01-31'],
    ['an ISO date and time', '2026-01-31T09:30:00Z', 'datetime', '2026-01-31T09:30:00Z'],
    ['epoch milliseconds for a datetime', 0, 'datetime', '1970-01-01T00:00:00.000Z'],
  ])('%s', (_name, value, type, expected) => {
    expect(convertValue(value, type)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, unknown, string, string]>([
    ['an object for text', { a: 1 }, 'string', 'text'],
    ['an array for a picklist', ['a'], 'picklist', 'text'],
    ['words for a number', 'twelve', 'double', 'a number (or a numeric string)'],
    ['a fraction for an int', 1.5, 'int', 'a whole number'],
    ['"yes" for a checkbox', 'yes', 'boolean', 'true or false'],
    ['a US date for a date', '01/31/2026', 'date', 'a date as YYYY-MM-DD'],
    [
      'a date for a datetime',
      '2026-01-31',
      'datetime',
      'an ISO 8601 date and time (2026-01-31T09:30:00Z) or epoch milliseconds',
    ],
    ['an object for an unknown scalar type', { x: 1 }, 'anyType', 'a single value'],
  ])('refuses %s', (_name, value, type, expected) => {
    expect(convertValue(value, type)).toEqual({ ok: false, expected });
  });
});

describe('checkValues', () => {
  const description: ObjectDescription = {
    name: 'Lead',
    fields: new Map(
      [
        ['Title', 'string'],
        ['NumberOfEmployees', 'int'],
      ].map(([name, type]) => [
        name.toLowerCase(),
        { name, type, externalId: false, createable: true, updateable: true, nillable: true },
      ]),
    ),
  };

  it('converts what Salesforce would read, returning the same object when nothing changes', () => {
    const same = { Title: 'CEO' };
    expect(checkValues('Lead', same, description)).toBe(same);
    expect(
      checkValues('Lead', { Title: 'CEO', NumberOfEmployees: '12', Unknown__c: { x: 1 } }, description),
    ).toEqual({
      Title: 'CEO',
      NumberOfEmployees: 12,
      Unknown__c: { x: 1 },
    });
  });

  it('names the field, its type, the value and what to send', () => {
    const error = thrownBy(() => checkValues('Lead', { NumberOfEmployees: 'many' }, description));
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toBe(
      'Field Lead.NumberOfEmployees is an int field in Salesforce; "many" (a string) cannot be written to it: send a whole number',
    );
  });
});

describe('lookupValue', () => {
  const field = (type: string) => ({
    name: 'F',
    type,
    externalId: false,
    createable: true,
    updateable: true,
    nillable: true,
  });

  it.each<[string, SoqlValue, string, SoqlValue]>([
    ['a number in a text field is text', 42, 'string', '42'],
    ['a boolean in an id field is text', true, 'id', 'true'],
    ['text stays the same text', 'a@b.com', 'email', 'a@b.com'],
    ['a numeric string in a number field is a number', ' 12.5 ', 'double', 12.5],
    ['"true" in a checkbox is a boolean', 'TRUE', 'boolean', true],
    ['a date keeps its value', '2026-01-31', 'date', '2026-01-31'],
  ])('%s', (_, value, type, expected) => {
    expect(lookupValue('Account', field(type), value)).toBe(expected);
  });

  it('names the field, its type, the value and what to send', () => {
    const error = thrownBy(() => lookupValue('Account', field('int'), '12.5'));
    expect(error).toBeInstanceOf(InstrumentationError);
    expect((error as Error).message).toBe(
      'Field Account.F is an int field in Salesforce; "12.5" (a string) cannot be looked up in it: send a whole number',
    );
  });
});
