/** The org model: the standard objects plus configured custom fields and objects. */
import {
  auditFields,
  type FieldSpec,
  STANDARD_OBJECTS,
  type StandardObjectSpec,
  systemFields,
} from './standard-objects';
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
  labelPlural: string;
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
    indexed: spec.indexed === true || spec.idLookup === true || spec.type === 'id',
  };
}

function finishObject(
  name: string,
  labels: { label: string; labelPlural: string },
  keyPrefix: string,
  custom: boolean,
  fields: FieldDef[],
): ObjectDef {
  const fieldMap = new Map<string, FieldDef>();
  for (const f of fields) fieldMap.set(f.name.toLowerCase(), f);
  return { name, ...labels, keyPrefix, custom, fields, fieldMap };
}

/** Adds configured fields the object does not have yet (names compare in any case). */
function addFields(fields: FieldDef[], extra: Record<string, FieldType> | undefined): void {
  for (const [fname, type] of Object.entries(extra ?? {})) {
    if (fields.some((f) => f.name.toLowerCase() === fname.toLowerCase())) continue;
    fields.push(makeField(fname, { type }, fname.endsWith('__c')));
  }
}

function standardObject(name: string, std: StandardObjectSpec, options: SimOptions): ObjectDef {
  const fields = std.fields.map(([n, spec]) => makeField(n, spec, false));
  addFields(fields, findKey(options.customFields, name));
  return finishObject(name, std, std.keyPrefix, false, fields);
}

const CUSTOM_PREFIX_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A custom object: Id, IsDeleted, Name (defaulted to the Id), the configured fields, then the audit fields. */
function customObject(name: string, spec: Record<string, FieldType>, index: number): ObjectDef {
  if (findKey(STANDARD_OBJECTS, name)) throw new Error(`customObjects: ${name} is a standard object`);
  if (index >= CUSTOM_PREFIX_DIGITS.length) throw new Error('customObjects: at most 36 custom objects');
  const nameSpec: FieldSpec = { type: 'string', length: 80, defaulted: true, label: `${labelOf(name)} Name` };
  // A configured Name only changes the type; the rest of the standard Name field stays.
  const nameType = Object.entries(spec)
    .filter(([fname]) => fname.toLowerCase() === 'name')
    .map(([, type]) => type)
    .pop();
  const nameField = makeField('Name', nameSpec, false);
  const fields: FieldDef[] = [
    ...systemFields().map(([n, s]) => makeField(n, s, false)),
    nameType ? { ...nameField, type: nameType } : nameField,
  ];
  addFields(fields, spec);
  fields.push(...auditFields().map(([n, s]) => makeField(n, s, false)));
  const label = labelOf(name);
  const keyPrefix = `a0${CUSTOM_PREFIX_DIGITS.charAt(index)}`;
  return finishObject(name, { label, labelPlural: `${label}s` }, keyPrefix, true, fields);
}

/** Marks the configured external-id fields (text, email or number), which also makes them upsert keys. */
function applyExternalIds(defs: ObjectDef[], externalIdFields: Record<string, string[]> | undefined): void {
  for (const [objName, extFields] of Object.entries(externalIdFields ?? {})) {
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
}

/** Every object of the org the options describe: the standard ones, then the custom ones. */
export function buildObjects(options: SimOptions): ObjectDef[] {
  const defs = Object.entries(STANDARD_OBJECTS).map(([name, std]) => standardObject(name, std, options));
  Object.entries(options.customObjects ?? {}).forEach(([name, spec], i) =>
    defs.push(customObject(name, spec, i)),
  );
  applyExternalIds(defs, options.externalIdFields);
  return defs;
}

export class Schema {
  private readonly byName = new Map<string, ObjectDef>();
  private readonly byPrefix = new Map<string, ObjectDef>();

  constructor(options: SimOptions) {
    for (const d of buildObjects(options)) {
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
    polymorphicForeignKey: f.referenceTo.length > 1,
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
    labelPlural: o.labelPlural,
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
