/**
 * One ajv instance for every boundary. `compileValidator` turns a JSON Schema (TypeBox) into a function that
 * returns the typed value or throws the caller's error class with a message naming the offending field.
 */
import Ajv, { type ErrorObject as AjvError } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from '@sinclair/typebox';

export const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });
addFormats(ajv);

/** Human-readable path of an ajv error: `Config.apiVersion`, `records[3].destKey`. */
export function describeAjvError(error: AjvError, root = ''): string {
  const segments = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  let path = root;
  for (const part of segments) path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${path ? `${path}.` : ''}${missing} is required`;
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `${path ? `${path}.` : ''}${extra} is not a known key`;
  }
  return `${path || '(root)'} ${error.message ?? 'is invalid'}`;
}

export type Validator<S extends TSchema> = (value: unknown) => Static<S>;

/**
 * Compile once (at module load), validate many times. Defaults declared in the schema are applied to the value
 * (ajv `useDefaults`), so callers must pass a copy when the input must stay unchanged.
 */
export function compileValidator<S extends TSchema>(
  schema: S,
  makeError: (message: string) => Error,
  root = '',
): Validator<S> {
  const validate = ajv.compile<Static<S>>(schema);
  return (value: unknown) => {
    if (validate(value)) return value;
    const details = (validate.errors ?? []).map((e) => describeAjvError(e, root));
    throw makeError([...new Set(details)].join('; '));
  };
}
