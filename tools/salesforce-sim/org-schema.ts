/**
 * The org's schema as plain data, for tests that need no server: which objects exist and, for each field, its
 * type and whether the API lets a caller set it on create or update. It is what describe answers, computed
 * from the same `SimOptions`, so a test can check that every field a mapping writes exists on its object.
 */
import { buildObjects, type FieldDef, type ObjectDef } from './schema';
import { STANDARD_OBJECTS } from './standard-objects';
import type { FieldType, FieldValue, SimOptions } from './types';

export interface SchemaField {
  name: string;
  label: string;
  type: FieldType;
  /** Maximum length of a text value; 0 for other types. */
  length: number;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  /** Must be sent (non-empty) on create: REQUIRED_FIELD_MISSING otherwise. */
  required: boolean;
  defaultedOnCreate: boolean;
  /** Written on create when the caller sends nothing; null when there is no such value. */
  defaultValue: FieldValue;
  custom: boolean;
  externalId: boolean;
  idLookup: boolean;
  /** Objects a reference may point at (several for WhoId/WhatId); empty for other types. */
  referenceTo: string[];
  picklistValues: string[];
}

export interface SchemaObject {
  name: string;
  label: string;
  keyPrefix: string;
  custom: boolean;
  fields: SchemaField[];
}

/** The API names of the standard objects every simulated org has, in describe-global order. */
export function standardObjectNames(): string[] {
  return Object.keys(STANDARD_OBJECTS);
}

/** Every object of the org these options describe (standard ones first, then custom ones), with its fields. */
export function orgSchema(options: SimOptions = {}): SchemaObject[] {
  return buildObjects(options).map(schemaObject);
}

/** One object of the org these options describe (name in any letter case), or undefined if it has none. */
export function objectSchema(name: string, options: SimOptions = {}): SchemaObject | undefined {
  const def = buildObjects(options).find((o) => o.name.toLowerCase() === name.toLowerCase());
  return def && schemaObject(def);
}

function schemaObject(o: ObjectDef): SchemaObject {
  return {
    name: o.name,
    label: o.label,
    keyPrefix: o.keyPrefix,
    custom: o.custom,
    fields: o.fields.map(schemaField),
  };
}

function schemaField(f: FieldDef): SchemaField {
  return {
    name: f.name,
    label: f.label,
    type: f.type,
    length: f.length,
    createable: f.createable,
    updateable: f.updateable,
    nillable: f.nillable,
    required: f.required,
    defaultedOnCreate: f.defaultedOnCreate,
    defaultValue: f.defaultValue ?? null,
    custom: f.custom,
    externalId: f.externalId,
    idLookup: f.idLookup,
    referenceTo: [...f.referenceTo],
    picklistValues: f.picklistValues.map((p) => p.value),
  };
}
