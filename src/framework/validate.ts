/**
 * One ajv instance for every boundary. `compileValidator` turns a JSON Schema (TypeBox) into a function that
 * returns the typed value or throws the caller's error class with a message naming the offending field.
 */
import Ajv, { type ErrorObject as AjvError } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from '@sinclair/typebox';

export const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });
addFormats(ajv);

/** Human-readable path of a JSON pointer: `/Config/apiVersion` → `Config.apiVersion`, `/3/destKey` → `[3].destKey`. */
export function pathOf(instancePath: string, root = ''): string {
  let path = root;
  for (const raw of instancePath.split('/').filter(Boolean)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  }
  return path;
}

/** `"a", "b" or "c"`. */
function alternatives(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : items[0];
}

/** One ajv error as a sentence naming the field. */
export function describeAjvError(error: AjvError, root = ''): string {
  const path = pathOf(error.instancePath, root);
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${path ? `${path}.` : ''}${missing} is required`;
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `${path ? `${path}.` : ''}${extra} is not a known key`;
  }
  if (error.keyword === 'enum') {
    const allowed = ((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) =>
      JSON.stringify(v),
    );
    return `${path || '(root)'} must be one of ${alternatives(allowed)}`;
  }
  return `${path || '(root)'} ${error.message ?? 'is invalid'}`;
}

/**
 * All errors of one validation as one message. Where a value matched none of several alternatives (`anyOf`), the
 * alternatives' errors are folded into one line listing what is allowed, instead of one line per alternative.
 */
export function describeAjvErrors(errors: AjvError[], root = ''): string {
  // A value that matched an alternative's type but broke another of its rules (an empty array...) is reported by
  // that rule: it says more than the list of alternatives.
  const specific = new Set(
    errors.filter((e) => !['anyOf', 'const', 'type', 'enum'].includes(e.keyword)).map((e) => e.instancePath),
  );
  const unions = new Set(
    errors.filter((e) => e.keyword === 'anyOf' && !specific.has(e.instancePath)).map((e) => e.instancePath),
  );
  const folded = new Map<string, string[]>();
  const lines: string[] = [];
  for (const error of errors) {
    if (specific.has(error.instancePath) && ['anyOf', 'const', 'type', 'enum'].includes(error.keyword))
      continue;
    if (!unions.has(error.instancePath)) {
      lines.push(describeAjvError(error, root));
      continue;
    }
    const allowed = folded.get(error.instancePath) ?? [];
    if (!folded.has(error.instancePath)) {
      folded.set(error.instancePath, allowed);
      lines.push(error.instancePath); // replaced by the folded sentence below
    }
    const params = error.params as { allowedValue?: unknown; type?: string; allowedValues?: unknown[] };
    if (error.keyword === 'const') allowed.push(JSON.stringify(params.allowedValue));
    else if (error.keyword === 'type')
      allowed.push(`${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${params.type}`);
    else if (error.keyword === 'enum')
      allowed.push(...(params.allowedValues ?? []).map((v) => JSON.stringify(v)));
  }
  const out = lines.map((line) => {
    const allowed = folded.get(line);
    if (!allowed) return line;
    const unique = [...new Set(allowed)];
    const list = alternatives(unique);
    const onlyTypes = unique.every((a) => /^an? /.test(a));
    return `${pathOf(line, root) || '(root)'} must be ${onlyTypes ? list : `one of ${list}`}`;
  });
  return [...new Set(out)].join('; ');
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
    throw makeError(describeAjvErrors(validate.errors ?? [], root));
  };
}

/** A JSON object (not null, not an array): the shape every boundary check starts from. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
