/**
 * An event through the `eventMappings` rules: every rule whose `when` matches gives one intent (one record to write),
 * built from the message root. Record events (reverse ETL: `fields`, `identifiers`, `action`) map the same way; their
 * `action` picks the operation unless the rule sets one, and they are found by their identifiers unless the rule
 * says how. Values a rule needs and the event lacks are the job's 400, naming the rule and the key.
 */
import { InstrumentationError } from '../../../../framework/errors';
import { constructPayloadWithDefaults, readCompiledSource } from '../../../../framework/mapping';
import type { RudderMessage } from '../../../../framework/types';
import { isObject } from '../../../../framework/validate';
import type { RecordFields } from '../payload';
import {
  describeMatch,
  type Finder,
  type Intent,
  type MatchField,
  type Operation,
  type Reference,
} from '../plan/state';
import { assertIdentifier, type SoqlValue } from '../soql';
import type { CompiledMatch, CompiledReference, CompiledRule, CompiledValue } from './compile';

const NO_RULES: readonly CompiledRule[] = Object.freeze([]);

/** A config's rules of one event type, in order, and whether any of them names track events. */
interface RulesOfType {
  rules: readonly CompiledRule[];
  named: boolean;
}

/** The rules of each compiled rule list by event type, worked out once per list (lists are compiled once per config). */
const rulesByType = new WeakMap<readonly CompiledRule[], Map<string, RulesOfType>>();

function rulesOfType(rules: readonly CompiledRule[], type: string): RulesOfType | undefined {
  let index = rulesByType.get(rules);
  if (!index) {
    index = new Map();
    for (const rule of rules) {
      const entry = index.get(rule.type) ?? { rules: [], named: false };
      index.set(rule.type, { rules: [...entry.rules, rule], named: entry.named || Boolean(rule.events) });
    }
    rulesByType.set(rules, index);
  }
  return index.get(type);
}

/**
 * The rules that apply to an event: its type, and for track events its name. The list is shared (read it, never
 * change it).
 */
export function matchingRules(
  message: RudderMessage,
  rules: readonly CompiledRule[],
): readonly CompiledRule[] {
  if (rules.length === 0 || typeof message.type !== 'string') return NO_RULES;
  const ofType = rulesOfType(rules, message.type.trim().toLowerCase());
  if (!ofType) return NO_RULES;
  if (!ofType.named) return ofType.rules;
  const event = (message as { event?: unknown }).event;
  return ofType.rules.filter((r) => !r.events || (typeof event === 'string' && r.events.has(event)));
}

/** A Map, not an object literal: an action such as `constructor` or `__proto__` must find nothing. */
const ACTIONS = new Map<string, Operation>([
  ['insert', 'create'],
  ['update', 'update'],
  ['delete', 'delete'],
]);

function operationOf(rule: CompiledRule, message: RudderMessage): Operation {
  if (rule.operation) return rule.operation;
  const action = (message as { action?: unknown }).action;
  const operation = typeof action === 'string' ? ACTIONS.get(action.trim().toLowerCase()) : undefined;
  if (!operation) {
    throw new InstrumentationError(
      `${rule.label}: a record event's action must be insert, update or delete (got ${JSON.stringify(action ?? null)}), or the rule must set operation`,
    );
  }
  return operation;
}

/** A value to find a record by: a scalar, strings trimmed; undefined when it is none. */
function scalarOf(value: unknown): SoqlValue | undefined {
  const text = typeof value === 'string' ? value.trim() : value;
  if (typeof text === 'number' || typeof text === 'boolean' || (typeof text === 'string' && text))
    return text;
  return undefined;
}

const noValue = (what: string, sourceKeys: string | string[]) =>
  new InstrumentationError(
    `${what} has no value at ${JSON.stringify(sourceKeys)}: the event needs one to find the record (a string, number or boolean)`,
  );

function lookupValue(message: RudderMessage, { source, sourceKeys, what }: CompiledValue): SoqlValue {
  const value = scalarOf(readCompiledSource(message, source));
  if (value === undefined) throw noValue(what, sourceKeys);
  return value;
}

function matchFields(message: RudderMessage, match: CompiledMatch): MatchField[] {
  return match.fields.map((f) => ({ field: f.field, value: lookupValue(message, f) }));
}

/** A record event's identifiers as match fields (every one must match). */
function identifierFields(message: RudderMessage, label: string): MatchField[] {
  const identifiers = (message as { identifiers?: unknown }).identifiers;
  const fields = isObject(identifiers) ? Object.entries(identifiers) : [];
  if (fields.length === 0) {
    throw new InstrumentationError(
      `${label}: the record event has no identifiers to find the record by, and the rule sets no match`,
    );
  }
  // The entry's own value: no path compiled, no message built per identifier of each event.
  return fields.map(([key, given]) => {
    const field = assertIdentifier(key, `${label} identifier`);
    const value = scalarOf(given);
    if (value === undefined) throw noValue(`${label} identifier ${field}`, `identifiers.${field}`);
    return { field, value };
  });
}

function finderOf(rule: CompiledRule, operation: Operation, message: RudderMessage): Finder {
  if (operation === 'create') return { kind: 'new' };
  const { externalId, match, label } = rule;
  if (externalId) {
    const value = lookupValue(message, externalId);
    if (operation === 'upsert') return { kind: 'externalId', field: externalId.field, value };
    return { kind: 'match', fields: [{ field: externalId.field, value }], operator: 'and' };
  }
  if (match) return { kind: 'match', fields: matchFields(message, match), operator: match.operator };
  return { kind: 'match', fields: identifierFields(message, label), operator: 'and' };
}

/** The record's fields: the rule's mapping, or a record event's `fields` as they are. */
function fieldsOf(rule: CompiledRule, operation: Operation, message: RudderMessage): RecordFields {
  if (operation === 'delete') return { fields: {}, createDefaults: {} };
  if (rule.mapping) {
    try {
      const { payload, createDefaults } = constructPayloadWithDefaults(message, rule.mapping);
      return { fields: payload, createDefaults };
    } catch (error) {
      throw new InstrumentationError(`${rule.label}: ${(error as Error).message}`);
    }
  }
  const given = (message as { fields?: unknown }).fields;
  const fields = rule.type === 'record' && isObject(given) ? { ...given } : {};
  delete fields.Id;
  return { fields, createDefaults: {} };
}

function referenceOf(message: RudderMessage, ref: CompiledReference): Reference | undefined {
  try {
    const fields = matchFields(message, ref.match);
    const candidates = ref.objects.map((object) => ({ object, fields, operator: ref.match.operator }));
    return { destKey: ref.destKey, candidates, required: ref.required };
  } catch (error) {
    if (ref.required) throw error;
    return undefined;
  }
}

function describeFind(find: Finder): string {
  if (find.kind === 'externalId') return describeMatch([find], 'and');
  return find.kind === 'match' ? describeMatch(find.fields, find.operator) : '';
}

/** One rule's intent for an event. */
export function ruleIntent(rule: CompiledRule, message: RudderMessage): Intent {
  const operation = operationOf(rule, message);
  const find = finderOf(rule, operation, message);
  const fields = fieldsOf(rule, operation, message);
  // A record created by an upsert is found by its match values next time: they are written on create.
  if (operation === 'upsert' && find.kind === 'match') {
    for (const { field, value } of find.fields)
      if (!(field in fields.fields)) fields.createDefaults[field] = value;
  }
  const references = rule.references.flatMap((ref) => referenceOf(message, ref) ?? []);
  return {
    object: rule.object,
    operation,
    find,
    fields,
    multipleMessage: `${rule.label}: Multiple ${rule.object} records found with ${describeFind(find)}; set ifMultiple to first or all to write them anyway`,
    ifMultiple: rule.ifMultiple,
    references,
    origin: rule.label,
  };
}
