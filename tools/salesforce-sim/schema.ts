/** The org model: standard Lead/Contact/Account plus configured custom fields and objects. */
import type { FieldType, FieldValue, SimOptions } from './types';

export interface PicklistValue {
  value: string;
  label: string;
  active: boolean;
  defaultValue: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  custom: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  defaultedOnCreate: boolean;
  /** Must be present (non-null, non-empty) on create. */
  required: boolean;
  /** Value written on create when the caller does not send the field. */
  defaultValue?: FieldValue;
  referenceTo: string[];
  picklistValues: PicklistValue[];
  /** Kept in an exact-match index (ids, idLookup and external-id fields). */
  indexed: boolean;
}

export interface ObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  custom: boolean;
  fields: FieldDef[];
  /** lower-case field name -> definition */
  fieldMap: Map<string, FieldDef>;
}

export const STRING_TYPES: ReadonlySet<FieldType> = new Set<FieldType>([
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
]);
export const NUMBER_TYPES: ReadonlySet<FieldType> = new Set<FieldType>([
  'int',
  'double',
  'currency',
  'percent',
]);
export const ID_TYPES: ReadonlySet<FieldType> = new Set<FieldType>(['id', 'reference']);

const DEFAULT_LENGTH: Record<FieldType, number> = {
  id: 18,
  reference: 18,
  string: 255,
  textarea: 32768,
  email: 80,
  phone: 40,
  url: 255,
  picklist: 255,
  boolean: 0,
  int: 0,
  double: 0,
  currency: 0,
  percent: 0,
  date: 0,
  datetime: 0,
};

interface FieldSpec {
  type: FieldType;
  length?: number;
  label?: string;
  required?: boolean;
  system?: boolean; // neither createable nor updateable
  createOnly?: boolean;
  defaultValue?: FieldValue;
  defaulted?: boolean;
  idLookup?: boolean;
  nillable?: boolean;
  referenceTo?: string[];
  picklist?: string[];
  picklistDefault?: string;
}

function labelOf(name: string): string {
  const base = name.replace(/__c$/, '').replace(/_/g, ' ');
  return base.replace(/([a-z])([A-Z])/g, '$1 $2');
}

function makeField(name: string, spec: FieldSpec, custom: boolean): FieldDef {
  const nillable =
    spec.nillable ?? !(spec.required === true || spec.type === 'boolean' || spec.type === 'id');
  const picklistValues: PicklistValue[] = (spec.picklist ?? []).map((v) => ({
    value: v,
    label: v,
    active: true,
    defaultValue: v === spec.picklistDefault,
  }));
  return {
    name,
    label: spec.label ?? labelOf(name),
    type: spec.type,
    length: spec.length ?? DEFAULT_LENGTH[spec.type],
    createable: spec.system !== true,
    updateable: spec.system !== true && spec.createOnly !== true,
    nillable,
    custom,
    externalId: false,
    idLookup: spec.idLookup === true || spec.type === 'id',
    unique: false,
    defaultedOnCreate: spec.defaulted === true || spec.defaultValue !== undefined || spec.type === 'boolean',
    required: spec.required === true,
    defaultValue: spec.defaultValue ?? (spec.type === 'boolean' ? false : undefined),
    referenceTo: spec.referenceTo ?? [],
    picklistValues,
    indexed: spec.idLookup === true || spec.type === 'id',
  };
}

const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'];
const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const INDUSTRIES = [
  'Agriculture',
  'Banking',
  'Education',
  'Finance',
  'Healthcare',
  'Retail',
  'Technology',
  'Other',
];
const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];

function systemFields(): [string, FieldSpec][] {
  return [
    ['Id', { type: 'id', system: true, label: 'Record ID' }],
    ['IsDeleted', { type: 'boolean', system: true, label: 'Deleted' }],
  ];
}

function auditFields(): [string, FieldSpec][] {
  return [
    [
      'OwnerId',
      { type: 'reference', referenceTo: ['User'], defaulted: true, nillable: false, label: 'Owner ID' },
    ],
    ['CreatedDate', { type: 'datetime', system: true, defaulted: true, nillable: false }],
    ['LastModifiedDate', { type: 'datetime', system: true, defaulted: true, nillable: false }],
  ];
}

const STANDARD: Record<string, { label: string; keyPrefix: string; fields: [string, FieldSpec][] }> = {
  Lead: {
    label: 'Lead',
    keyPrefix: '00Q',
    fields: [
      ...systemFields(),
      ['Salutation', { type: 'picklist', length: 40, picklist: SALUTATIONS }],
      ['FirstName', { type: 'string', length: 40 }],
      ['LastName', { type: 'string', length: 80, required: true }],
      ['Company', { type: 'string', length: 255, required: true }],
      ['Title', { type: 'string', length: 128 }],
      ['Street', { type: 'textarea', length: 255 }],
      ['City', { type: 'string', length: 40 }],
      ['State', { type: 'string', length: 80 }],
      ['PostalCode', { type: 'string', length: 20 }],
      ['Country', { type: 'string', length: 80 }],
      ['Phone', { type: 'phone' }],
      ['MobilePhone', { type: 'phone' }],
      ['Email', { type: 'email', idLookup: true }],
      ['Website', { type: 'url' }],
      ['Description', { type: 'textarea', length: 32000 }],
      ['LeadSource', { type: 'picklist', picklist: LEAD_SOURCES }],
      [
        'Status',
        {
          type: 'picklist',
          picklist: LEAD_STATUSES,
          picklistDefault: 'Open - Not Contacted',
          defaultValue: 'Open - Not Contacted',
          nillable: false,
        },
      ],
      ['Industry', { type: 'picklist', picklist: INDUSTRIES }],
      ['Rating', { type: 'picklist', picklist: ['Hot', 'Warm', 'Cold'] }],
      ['AnnualRevenue', { type: 'currency' }],
      ['NumberOfEmployees', { type: 'int' }],
      ['IsConverted', { type: 'boolean', system: true, label: 'Converted' }],
      ['ConvertedDate', { type: 'date', system: true }],
      ['ConvertedAccountId', { type: 'reference', system: true, referenceTo: ['Account'] }],
      ['ConvertedContactId', { type: 'reference', system: true, referenceTo: ['Contact'] }],
      ...auditFields(),
    ],
  },
  Contact: {
    label: 'Contact',
    keyPrefix: '003',
    fields: [
      ...systemFields(),
      ['AccountId', { type: 'reference', referenceTo: ['Account'], label: 'Account ID' }],
      ['Salutation', { type: 'picklist', length: 40, picklist: SALUTATIONS }],
      ['FirstName', { type: 'string', length: 40 }],
      ['LastName', { type: 'string', length: 80, required: true }],
      ['MailingStreet', { type: 'textarea', length: 255 }],
      ['MailingCity', { type: 'string', length: 40 }],
      ['MailingState', { type: 'string', length: 80 }],
      ['MailingPostalCode', { type: 'string', length: 20 }],
      ['MailingCountry', { type: 'string', length: 80 }],
      ['Phone', { type: 'phone' }],
      ['MobilePhone', { type: 'phone' }],
      ['Email', { type: 'email', idLookup: true }],
      ['Title', { type: 'string', length: 128 }],
      ['Department', { type: 'string', length: 80 }],
      ['Birthdate', { type: 'date' }],
      ['Description', { type: 'textarea', length: 32000 }],
      ['LeadSource', { type: 'picklist', picklist: LEAD_SOURCES }],
      ...auditFields(),
    ],
  },
  Account: {
    label: 'Account',
    keyPrefix: '001',
    fields: [
      ...systemFields(),
      ['Name', { type: 'string', length: 255, required: true, label: 'Account Name' }],
      ['Industry', { type: 'picklist', picklist: INDUSTRIES }],
      ['Website', { type: 'url' }],
      ['Phone', { type: 'phone' }],
      ['BillingStreet', { type: 'textarea', length: 255 }],
      ['BillingCity', { type: 'string', length: 40 }],
      ['BillingState', { type: 'string', length: 80 }],
      ['BillingPostalCode', { type: 'string', length: 20 }],
      ['BillingCountry', { type: 'string', length: 80 }],
      ['Description', { type: 'textarea', length: 32000 }],
      ['NumberOfEmployees', { type: 'int' }],
      ['AnnualRevenue', { type: 'currency' }],
      ...auditFields(),
    ],
  },
};

function finishObject(
  name: string,
  label: string,
  keyPrefix: string,
  custom: boolean,
  fields: FieldDef[],
): ObjectDef {
  const fieldMap = new Map<string, FieldDef>();
  for (const f of fields) fieldMap.set(f.name.toLowerCase(), f);
  return { name, label, keyPrefix, custom, fields, fieldMap };
}

export class Schema {
  private readonly byName = new Map<string, ObjectDef>();
  private readonly byPrefix = new Map<string, ObjectDef>();

  constructor(options: SimOptions) {
    const defs: ObjectDef[] = [];
    for (const [name, std] of Object.entries(STANDARD)) {
      const fields = std.fields.map(([n, spec]) => makeField(n, spec, false));
      const extra = findKey(options.customFields, name);
      if (extra) {
        for (const [fname, type] of Object.entries(extra)) {
          if (fields.some((f) => f.name.toLowerCase() === fname.toLowerCase())) continue;
          fields.push(makeField(fname, { type }, fname.endsWith('__c')));
        }
      }
      defs.push(finishObject(name, std.label, std.keyPrefix, false, fields));
    }
    let customIndex = 0;
    for (const [name, spec] of Object.entries(options.customObjects ?? {})) {
      if (findKey(STANDARD, name)) throw new Error(`customObjects: ${name} is a standard object`);
      const fields: FieldDef[] = [
        ...systemFields().map(([n, s]) => makeField(n, s, false)),
        makeField(
          'Name',
          { type: 'string', length: 80, defaulted: true, label: `${labelOf(name)} Name` },
          false,
        ),
      ];
      for (const [fname, type] of Object.entries(spec)) {
        if (fname.toLowerCase() === 'name') {
          fields[2] = { ...fields[2], type };
          continue;
        }
        if (fields.some((f) => f.name.toLowerCase() === fname.toLowerCase())) continue;
        fields.push(makeField(fname, { type }, fname.endsWith('__c')));
      }
      fields.push(...auditFields().map(([n, s]) => makeField(n, s, false)));
      const keyPrefix = `a0${'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.charAt(customIndex % 36)}`;
      if (customIndex >= 36) throw new Error('customObjects: at most 36 custom objects');
      customIndex++;
      defs.push(finishObject(name, labelOf(name), keyPrefix, true, fields));
    }
    for (const [objName, extFields] of Object.entries(options.externalIdFields ?? {})) {
      const def = defs.find((d) => d.name.toLowerCase() === objName.toLowerCase());
      if (!def) throw new Error(`externalIdFields: unknown object ${objName}`);
      for (const fname of extFields) {
        const f = def.fieldMap.get(fname.toLowerCase());
        if (!f) throw new Error(`externalIdFields: unknown field ${objName}.${fname}`);
        if (!STRING_TYPES.has(f.type) && f.type !== 'int' && f.type !== 'double') {
          throw new Error(`externalIdFields: ${objName}.${fname} must be a text, email or number field`);
        }
        f.externalId = true;
        f.idLookup = true;
        f.indexed = true;
      }
    }
    for (const d of defs) {
      this.byName.set(d.name.toLowerCase(), d);
      this.byPrefix.set(d.keyPrefix, d);
    }
  }

  object(name: string): ObjectDef | undefined {
    return this.byName.get(name.toLowerCase());
  }

  objectByPrefix(prefix: string): ObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }

  objects(): ObjectDef[] {
    return [...this.byName.values()];
  }
}

function findKey<T>(rec: Record<string, T> | undefined, name: string): T | undefined {
  if (!rec) return undefined;
  for (const [k, v] of Object.entries(rec)) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

function soapType(t: FieldType): string {
  switch (t) {
    case 'id':
    case 'reference':
      return 'tns:ID';
    case 'boolean':
      return 'xsd:boolean';
    case 'int':
      return 'xsd:int';
    case 'double':
    case 'currency':
    case 'percent':
      return 'xsd:double';
    case 'date':
      return 'xsd:date';
    case 'datetime':
      return 'xsd:dateTime';
    default:
      return 'xsd:string';
  }
}

export function describeField(f: FieldDef): Record<string, unknown> {
  const numeric = NUMBER_TYPES.has(f.type);
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    soapType: soapType(f.type),
    length: f.length,
    byteLength: f.length * 3,
    precision: numeric ? 18 : 0,
    scale: f.type === 'int' ? 0 : numeric ? 2 : 0,
    digits: f.type === 'int' ? 9 : 0,
    createable: f.createable,
    updateable: f.updateable,
    nillable: f.nillable,
    custom: f.custom,
    externalId: f.externalId,
    idLookup: f.idLookup,
    unique: f.unique,
    caseSensitive: false,
    defaultedOnCreate: f.defaultedOnCreate,
    defaultValue: f.type === 'boolean' ? (f.defaultValue ?? false) : null,
    filterable: true,
    sortable: f.type !== 'textarea',
    calculated: false,
    referenceTo: f.referenceTo,
    relationshipName: f.type === 'reference' ? f.name.replace(/Id$/, '') : null,
    picklistValues: f.picklistValues,
    restrictedPicklist: false,
  };
}

/** The full describe: the describe-global entry plus the fields. */
export function describeObject(o: ObjectDef, version: string): Record<string, unknown> {
  return { ...describeGlobalEntry(o, version), retrieveable: true, fields: o.fields.map(describeField) };
}

export function describeGlobalEntry(o: ObjectDef, version: string): Record<string, unknown> {
  const base = `/services/data/v${version}/sobjects/${o.name}`;
  return {
    name: o.name,
    label: o.label,
    labelPlural: `${o.label}s`,
    keyPrefix: o.keyPrefix,
    custom: o.custom,
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    searchable: true,
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}

/** The field an upsert or a by-key read may match on: an External ID or idLookup field (names compare any case). */
export function upsertKeyField(def: ObjectDef, name: string): FieldDef | undefined {
  const f = def.fieldMap.get(name.toLowerCase());
  return f && (f.externalId || f.idLookup) ? f : undefined;
}
