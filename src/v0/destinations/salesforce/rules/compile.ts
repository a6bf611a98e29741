/**
 * `eventMappings` rules compiled once per destination config (configs are parsed once per runtime): each rule is
 * checked against its schema and for what the schema cannot say (an update needs a way to find its record...), with
 * every message naming the rule by index and name, the key, and what is allowed. Field mappings are validated as
 * mapping configs, so the data/*.json entry format and its errors are the same everywhere.
 */
import { ConfigurationError } from '../../../../framework/errors';
import {
  compileSource,
  loadMappingConfig,
  type CompiledSource,
  type MappingConfig,
  type MappingEntry,
} from '../../../../framework/mapping';
import { ajv, describeAjvErrors } from '../../../../framework/validate';
import {
  RuleSchema,
  type EventType,
  type IfMultiple,
  type MatchOperator,
  type MatchSpec,
  type ReferenceEntry,
  type Rule,
  type RuleOperation,
} from './schema';

const PREFIX = 'Invalid Salesforce destination config:';

/** A value a rule reads from the event, prepared once: where, and how its errors name it. */
export interface CompiledValue {
  sourceKeys: string | string[];
  source: CompiledSource;
  /** How an error names the value (`eventMappings[0] ("companies") match field AccountNumber`). */
  what: string;
}

export interface CompiledMatch {
  fields: ({ field: string } & CompiledValue)[];
  operator: MatchOperator;
}

export interface CompiledReference {
  destKey: string;
  /** Objects tried in order: the first with a match gives the id. */
  objects: string[];
  match: CompiledMatch;
  /** Nothing found is the job's 400 (default); when false the field is left out. */
  required: boolean;
}

export interface CompiledRule {
  /** `eventMappings[2] ("signed-up companies")`: how messages name the rule. */
  label: string;
  type: EventType;
  /** Track event names the rule applies to (exact match); all when absent. */
  events?: ReadonlySet<string>;
  object: string;
  /** Absent for a record rule: the event's `action` decides. */
  operation?: RuleOperation;
  match?: CompiledMatch;
  externalId?: { field: string } & CompiledValue;
  /** The plain field mappings (paths from the message root), undefined when the rule maps none. */
  mapping?: MappingConfig;
  references: CompiledReference[];
  ifMultiple: IfMultiple;
}

function labelOf(index: number, raw: unknown): string {
  const name = (raw as { name?: unknown } | null)?.name;
  return `eventMappings[${index}]${typeof name === 'string' && name ? ` (${JSON.stringify(name)})` : ''}`;
}

const compileValue = (sourceKeys: string | string[], what: string): CompiledValue => ({
  sourceKeys,
  source: compileSource(sourceKeys),
  what,
});

/** A match; `what` names it in errors (the rule, or the rule's reference). */
const compileMatch = (match: MatchSpec, what: string): CompiledMatch => ({
  fields: match.fields.map(({ field, sourceKeys }) => ({
    field,
    ...compileValue(sourceKeys, `${what} match field ${field}`),
  })),
  operator: match.operator ?? 'and',
});

function isReference(entry: MappingEntry | ReferenceEntry): entry is ReferenceEntry {
  return 'reference' in entry;
}

/** Checks across keys, each a sentence naming the key and what is allowed. */
function crossKeyProblems(rule: Rule): string[] {
  const problems: string[] = [];
  const { operation, match, externalIdField, externalIdSourceKeys, when } = rule;
  if (!operation && when.type !== 'record')
    problems.push('operation is required (create, update, upsert or delete)');
  if ((externalIdField === undefined) !== (externalIdSourceKeys === undefined)) {
    problems.push('externalIdField and externalIdSourceKeys go together: set both or neither');
  }
  if (match && externalIdField)
    problems.push('match and externalIdField are two ways to find the record: set one');
  const finds = Boolean(match || externalIdField);
  if (operation === 'create' && finds)
    problems.push('a create finds no record: remove match and externalIdField');
  if (operation && operation !== 'create' && !finds && when.type !== 'record') {
    problems.push(`${operation} needs a way to find the record: set match or externalIdField`);
  }
  if (when.event !== undefined && when.type !== 'track')
    problems.push('when.event names track events: use it with when.type track');
  if (operation === 'delete' && rule.fields) problems.push('a delete writes no fields: remove fields');
  if (rule.ifMultiple && operation === 'create')
    problems.push('ifMultiple applies to update, upsert and delete');
  return problems;
}

function compileFields(rule: Rule, label: string): Pick<CompiledRule, 'mapping' | 'references'> {
  const entries = rule.fields ?? [];
  const plain = entries.filter((e): e is MappingEntry => !isReference(e));
  const references = entries.filter(isReference).map((e): CompiledReference => ({
    destKey: e.destKey,
    objects: Array.isArray(e.reference.object) ? e.reference.object : [e.reference.object],
    match: compileMatch(e.reference.match, `${label} reference ${e.destKey}`),
    required: e.required !== false,
  }));
  const seen = new Set(plain.map((e) => e.destKey));
  const twice = references.find((r) => seen.has(r.destKey));
  if (twice) throw new ConfigurationError(`${PREFIX} Config.${label}.fields maps ${twice.destKey} twice`);
  let mapping: MappingConfig | undefined;
  try {
    mapping = plain.length ? loadMappingConfig(`Config.${label}.fields`, plain) : undefined;
  } catch (error) {
    // The entry format's own checks (a destKey mapped twice...), as the config error they are here.
    throw new ConfigurationError(
      `${PREFIX} ${(error as Error).message.replace(/^Invalid mapping config /, '')}`,
    );
  }
  return { mapping, references };
}

const isRule = ajv.compile<Rule>(RuleSchema);

function validateRule(raw: unknown, label: string): Rule {
  if (isRule(raw)) return raw;
  throw new ConfigurationError(`${PREFIX} ${describeAjvErrors(isRule.errors ?? [], `Config.${label}`)}`);
}

function compileRule(raw: unknown, index: number): CompiledRule {
  const label = labelOf(index, raw);
  const rule = validateRule(raw, label);
  const problems = crossKeyProblems(rule);
  if (problems.length) throw new ConfigurationError(`${PREFIX} Config.${label}: ${problems.join('; ')}`);
  const events = rule.when.event === undefined ? undefined : new Set([rule.when.event].flat());
  const { externalIdField, externalIdSourceKeys } = rule;
  return {
    label,
    type: rule.when.type,
    events,
    object: rule.object,
    operation: rule.operation,
    match: rule.match && compileMatch(rule.match, label),
    externalId:
      externalIdField && externalIdSourceKeys
        ? {
            field: externalIdField,
            ...compileValue(externalIdSourceKeys, `${label} externalIdSourceKeys`),
          }
        : undefined,
    ...compileFields(rule, label),
    ifMultiple: rule.ifMultiple ?? 'error',
  };
}

/** The compiled rules of a config's `eventMappings` (an array, or absent). */
export function compileRules(raw: unknown): CompiledRule[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    throw new ConfigurationError(`${PREFIX} Config.eventMappings must be an array of rules`);
  }
  return raw.map(compileRule);
}
