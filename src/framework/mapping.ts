/**
 * The mapping engine for `data/*.json` configs (rudder-contract.md A.4).
 *
 * A mapping config is data: an array of `{destKey, sourceKeys, required?, metadata?}` entries. It is validated
 * against {@link MappingConfigSchema} when loaded, so a contributor who mistypes a key gets an error naming the
 * file, the entry and the fix instead of a silently missing field.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ajv, describeAjvErrors } from './validate';
import { InstrumentationError, PlatformError } from './errors';

export const VALUE_TYPES = [
  'toString',
  'toNumber',
  'toInt',
  'toFloat',
  'toLower',
  'trim',
  'toBoolean',
  'toDate',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

const Path = Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_$][A-Za-z0-9_$.-]*$' });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const MappingEntrySchema = Type.Object(
  {
    destKey: Type.String({ minLength: 1, pattern: '^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*$' }),
    sourceKeys: Type.Union([Path, Type.Array(Path, { minItems: 1 })]),
    required: Type.Optional(Type.Boolean()),
    metadata: Type.Optional(
      Type.Object(
        {
          /** Used when no source key has a value, on create and update alike. */
          defaultValue: Type.Optional(Scalar),
          /**
           * Used when no source key has a value and the record is being created; never on update. It satisfies
           * `required` (an update leaves the field as it is).
           */
          defaultOnCreate: Type.Optional(Scalar),
          /** Conversions applied in order. */
          type: Type.Optional(
            Type.Union([
              Type.Union(VALUE_TYPES.map((t) => Type.Literal(t))),
              Type.Array(Type.Union(VALUE_TYPES.map((t) => Type.Literal(t))), { minItems: 1 }),
            ]),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export const MappingConfigSchema = Type.Array(MappingEntrySchema, { minItems: 1 });
export type MappingEntry = Static<typeof MappingEntrySchema>;
export type MappingConfig = Static<typeof MappingConfigSchema>;

/** The mapping config schema, compiled once (every config, file or rule, is checked against it). */
const isMappingConfig = ajv.compile<MappingConfig>(MappingConfigSchema);

/** Validate a parsed mapping config; `name` (the file name) prefixes every error. */
export function loadMappingConfig(name: string, raw: unknown): MappingConfig {
  if (!isMappingConfig(raw)) {
    throw new PlatformError(
      `Invalid mapping config ${describeAjvErrors(isMappingConfig.errors ?? [], name)}`,
    );
  }
  const config = raw;
  const seen = new Set<string>();
  config.forEach((entry, index) => {
    if (seen.has(entry.destKey)) {
      throw new PlatformError(
        `Invalid mapping config ${name}[${index}].destKey "${entry.destKey}" is mapped twice`,
      );
    }
    seen.add(entry.destKey);
  });
  return config;
}

/** The values the reference treats as present: anything truthy, plus `0` and `false` (rudder-contract.md A.4.2). */
export function isPresent(value: unknown): boolean {
  return Boolean(value) || value === 0 || value === false;
}

/** Present and not NaN: a value worth writing. */
const isWritable = (value: unknown) => isPresent(value) && !Number.isNaN(value);

/** A dotted path read without a library: objects and arrays only, `undefined` past a missing step. */
function readPath(source: unknown, path: string[]): unknown {
  let value = source;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A `sourceKeys` prepared once for reading many sources: its paths split. */
export interface CompiledSource {
  paths: string[][];
  /** One path given as a string: its value is taken as it is. */
  single: boolean;
}

export function compileSource(sourceKeys: string | string[]): CompiledSource {
  const keys = typeof sourceKeys === 'string' ? [sourceKeys] : sourceKeys;
  return { paths: keys.map((k) => k.split('.')), single: typeof sourceKeys === 'string' };
}

/**
 * The value a compiled `sourceKeys` names in `source`, without conversions: the first path that holds a present
 * value; with `single`, the one path's value as it is (rudder-contract.md A.4.2: a string sourceKeys returns its raw
 * value, a list skips "", null and NaN and ends with null).
 */
export function readCompiledSource(source: unknown, { paths, single }: CompiledSource): unknown {
  if (single) return readPath(source, paths[0]);
  for (const path of paths) {
    const value = readPath(source, path);
    if (isWritable(value)) return value;
  }
  return null;
}

function convert(value: unknown, type: ValueType): unknown {
  switch (type) {
    case 'toString':
      return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    case 'toNumber': {
      const n = Number(value);
      return Number.isFinite(n) ? n : null;
    }
    case 'toInt': {
      const n = Number.parseInt(String(value), 10);
      return Number.isFinite(n) ? n : null;
    }
    case 'toFloat': {
      const n = Number.parseFloat(String(value));
      return Number.isFinite(n) ? n : null;
    }
    case 'toLower':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'trim':
      return typeof value === 'string' ? value.trim() : value;
    case 'toBoolean':
      if (typeof value === 'string') return ['true', '1', 'yes'].includes(value.trim().toLowerCase());
      return Boolean(value);
    case 'toDate':
      return toDate(value);
  }
}

/** A UTC date-time as events carry their timestamps (`2025-01-31T09:30:00.000Z`). */
const UTC_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?Z$/;

const DAYS_IN_MONTH: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * The date of a valid UTC date-time string: its first ten characters, which is what parsing it and printing the
 * date gives (checked against Date over every boundary: month and day ranges, leap years, hour 24, second 60).
 * Undefined when the string is not one (then it is parsed).
 */
function utcDatePart(value: string): string | undefined {
  const m = UTC_DATE_TIME.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const days = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= days;
  return valid && Number(m[4]) <= 23 && Number(m[5]) <= 59 && second <= 59 ? value.slice(0, 10) : undefined;
}

/** A date (`YYYY-MM-DD`, UTC) from a date or date-time string or epoch milliseconds; null when it is not one. */
function toDate(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  if (typeof value === 'string') {
    const date = utcDatePart(value);
    if (date !== undefined) return date;
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : null;
}

/** A mapping entry prepared once: source paths and destination split, conversions listed. */
interface CompiledEntry extends CompiledSource {
  entry: MappingEntry;
  dest: string[];
  types: ValueType[];
}
interface CompiledMapping {
  entries: CompiledEntry[];
  /** Entry indexes by the top-level source key they read: only entries whose source is present are evaluated. */
  byRoot: Map<string, number[]>;
  /** Entries evaluated whatever the source holds (defaults, required). */
  always: number[];
  /**
   * For a mapping of at most 64 entries, `byRoot` and `always` as bit masks (entries 0-31, then 32-63): the
   * entries to evaluate for a source are found without allocating.
   */
  masks?: { byRoot: Map<string, readonly [number, number]>; always: readonly [number, number] };
}

/** Indexes as two 32-bit masks (entries 0-31, 32-63). */
function maskOf(indexes: Iterable<number>): [number, number] {
  const mask: [number, number] = [0, 0];
  for (const i of indexes) mask[i >> 5] |= 1 << (i & 31);
  return mask;
}

function masksOf(compiled: CompiledMapping): CompiledMapping['masks'] {
  if (compiled.entries.length > 64) return undefined;
  const byRoot = new Map<string, readonly [number, number]>();
  for (const [root, indexes] of compiled.byRoot) byRoot.set(root, maskOf(indexes));
  return { byRoot, always: maskOf(compiled.always) };
}
const compiledMappings = new WeakMap<MappingConfig, CompiledMapping>();

function compile(mapping: MappingConfig): CompiledMapping {
  let compiled = compiledMappings.get(mapping);
  if (!compiled) {
    const entries = mapping.map((entry): CompiledEntry => {
      const { paths, single } = compileSource(entry.sourceKeys);
      const type = entry.metadata?.type;
      return {
        entry,
        paths,
        single,
        dest: entry.destKey.split('.'),
        types: type === undefined ? [] : Array.isArray(type) ? type : [type],
      };
    });
    const byRoot = new Map<string, number[]>();
    const always: number[] = [];
    entries.forEach((c, index) => {
      const meta = c.entry.metadata;
      if (c.entry.required || meta?.defaultValue !== undefined || meta?.defaultOnCreate !== undefined)
        always.push(index);
      for (const root of new Set(c.paths.map((path) => path[0]))) {
        const list = byRoot.get(root);
        if (list) list.push(index);
        else byRoot.set(root, [index]);
      }
    });
    compiled = { entries, byRoot, always };
    compiled.masks = masksOf(compiled);
    compiledMappings.set(mapping, compiled);
  }
  return compiled;
}

/** The entries to evaluate for `source`, in mapping order. */
function relevant(compiled: CompiledMapping, source: unknown): CompiledEntry[] {
  if (source === null || typeof source !== 'object') return compiled.entries;
  const marked = new Uint8Array(compiled.entries.length);
  for (const index of compiled.always) marked[index] = 1;
  for (const key in source) {
    const list = compiled.byRoot.get(key);
    if (list) for (const index of list) marked[index] = 1;
  }
  const out: CompiledEntry[] = [];
  for (let index = 0; index < marked.length; index += 1) if (marked[index]) out.push(compiled.entries[index]);
  return out;
}

function writePath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i += 1) {
    const next = node[path[i]];
    node = (next && typeof next === 'object' ? next : (node[path[i]] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function converted(value: unknown, types: ValueType[]): unknown {
  let out = value;
  if (isPresent(out)) for (const type of types) out = convert(out, type);
  return out;
}

/** One entry of a mapping applied to `source`: its value into `payload`, or its placeholder into `createDefaults`. */
function applyEntry(
  c: CompiledEntry,
  source: unknown,
  payload: Record<string, unknown>,
  createDefaults: Record<string, unknown>,
): void {
  const meta = c.entry.metadata;
  let value = readCompiledSource(source, c);
  if (meta && (value === null || value === undefined) && meta.defaultValue !== undefined)
    value = meta.defaultValue;
  value = converted(value, c.types);
  if (isWritable(value)) {
    writePath(payload, c.dest, value);
    return;
  }
  const placeholder =
    meta?.defaultOnCreate === undefined ? undefined : converted(meta.defaultOnCreate, c.types);
  if (isWritable(placeholder)) writePath(createDefaults, c.dest, placeholder);
  else if (c.entry.required) {
    throw new InstrumentationError(
      `Missing required value from ${JSON.stringify(c.entry.sourceKeys)} (needed for ${c.entry.destKey})`,
    );
  }
}

/**
 * One pass over a validated mapping: the payload of the fields that have a value (`defaultValue` applied), and,
 * apart, the `defaultOnCreate` placeholders of the fields that have none, for the caller to send only on create.
 * Returns fresh objects; `source` is never mutated.
 */
export function constructPayloadWithDefaults(
  source: unknown,
  mapping: MappingConfig,
): { payload: Record<string, unknown>; createDefaults: Record<string, unknown> } {
  const payload: Record<string, unknown> = {};
  const createDefaults: Record<string, unknown> = {};
  const compiled = compile(mapping);
  const { masks } = compiled;
  if (!masks || source === null || typeof source !== 'object') {
    for (const c of relevant(compiled, source)) applyEntry(c, source, payload, createDefaults);
    return { payload, createDefaults };
  }
  // The entries whose source is present, and those evaluated always: the same selection as `relevant`.
  let low = masks.always[0];
  let high = masks.always[1];
  for (const key in source) {
    const mask = masks.byRoot.get(key);
    if (mask) {
      low |= mask[0];
      high |= mask[1];
    }
  }
  const { entries } = compiled;
  for (let i = 0; i < entries.length; i += 1) {
    const marked = i < 32 ? (low >>> i) & 1 : (high >>> (i - 32)) & 1;
    if (marked) applyEntry(entries[i], source, payload, createDefaults);
  }
  return { payload, createDefaults };
}

/** The top-level source keys a mapping consumes (`company.name` → `company`). */
export function sourceRoots(mapping: MappingConfig): Set<string> {
  const roots = new Set<string>();
  for (const entry of mapping) for (const path of compileSource(entry.sourceKeys).paths) roots.add(path[0]);
  return roots;
}
