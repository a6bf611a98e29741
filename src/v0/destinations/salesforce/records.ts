/**
 * One event → what it asks of Salesforce: which records to create or update and how to find them. Pure: no I/O.
 *
 * - Lead by email (the default): look the Lead up by email, update it, or create it when there is none.
 * - `context.externalId` entries typed `Salesforce-<Object>`: update `<Object>` by id, or create one without an id,
 *   with the traits as they are; several entries give several records (product description).
 * - Reverse ETL (`context.mappedToDestination`): the first Salesforce external id names the object and how to find
 *   the record: by `Id`, or by the `identifierType` field (rudder-contract.md B.3).
 */
import { FilteredEventsError, InstrumentationError } from '../../../framework/errors';
import type { Destination, RudderMessage } from '../../../framework/types';
import { spreadWith } from '../../../framework/objects';
import { isObject } from '../../../framework/validate';
import type { SalesforceConfig } from './config';
import { emailProblem } from './email';
import { buildFields, type RecordFields } from './payload';
import type { Intent } from './plan/state';
import type { CompiledRule } from './rules/compile';
import { matchingRules, ruleIntent } from './rules/intents';
import { assertIdentifier } from './soql';

/** Keys of `integrations` that name this destination, compared trimmed and lower-cased. */
const INTEGRATION_KEYS = [
  'salesforce',
  'salesforce v2',
  'salesforce sandbox v2',
  'salesforce_oauth',
  'salesforce_oauth_sandbox',
];

const keysByDefinition = new WeakMap<object, Set<string>>();

const hasOwn = Object.prototype.hasOwnProperty;

function integrationKeys(destination: Destination): Set<string> {
  const def = destination.DestinationDefinition;
  const cached = def ? keysByDefinition.get(def) : undefined;
  if (cached) return cached;
  const keys = new Set(INTEGRATION_KEYS);
  for (const name of [def?.Name, def?.DisplayName]) if (name) keys.add(name.trim().toLowerCase());
  if (def) keysByDefinition.set(def, keys);
  return keys;
}

/** `true` or an options object enables; `false` disables; absent means "not asked for". */
function optIn(message: RudderMessage, destination: Destination): 'enabled' | 'disabled' | 'absent' {
  const integrations = message.integrations;
  if (!isObject(integrations)) return 'absent';
  const keys = integrationKeys(destination);
  let result: 'enabled' | 'disabled' | 'absent' = 'absent';
  for (const key in integrations) {
    // Own keys only, as Object.keys lists them (no key list built per event).
    if (!hasOwn.call(integrations, key) || !keys.has(key.trim().toLowerCase())) continue;
    const value = integrations[key];
    if (value === true || isObject(value)) return 'enabled';
    if (value === false) result = 'disabled';
  }
  return result;
}

/**
 * The checks that decide whether an event is for us at all: identify only; and, unless `requireExplicitOptIn` is
 * off, only when its integrations object enables Salesforce (product description: "any identify call that does not
 * include 'Salesforce':true in its payload will be ignored"). Filtered events cost no API call. Returns the
 * `eventMappings` rules that match the event, for {@link toIntents}.
 */
export function checkEvent(
  message: RudderMessage,
  config: SalesforceConfig,
  destination: Destination,
): readonly CompiledRule[] {
  const type = typeof message.type === 'string' ? message.type.trim().toLowerCase() : message.type;
  if (type === undefined || type === null || type === '') {
    throw new InstrumentationError(
      'The event has no type (message.type): Salesforce accepts identify events only',
    );
  }
  const rules = matchingRules(message, config.rules);
  if (type !== 'identify' && rules.length === 0) throw unsupported(message, config);
  const state = optIn(message, destination);
  if (state === 'disabled') {
    throw new FilteredEventsError(
      'Event not sent to Salesforce: its integrations object sets Salesforce to false. Set "integrations": {"Salesforce": true} in the event to send it',
    );
  }
  if (state === 'absent' && config.requireExplicitOptIn) {
    const name = String(type).charAt(0).toUpperCase() + String(type).slice(1);
    throw new FilteredEventsError(
      `${name} not sent to Salesforce: its integrations object does not enable Salesforce. Add "integrations": {"Salesforce": true} to the event, or set requireExplicitOptIn to false in the destination config to send every ${String(type)} event`,
    );
  }
  return rules;
}

/** The event's traits, as they are: records are built from them into objects of their own, never written into them. */
function traitsOf(message: RudderMessage): Record<string, unknown> {
  if (isObject(message.traits)) return message.traits;
  const contextTraits = message.context?.traits;
  if (isObject(contextTraits)) return contextTraits;
  throw new InstrumentationError(
    'PROCESS IDENTIFY: Invalid traits for Salesforce request: the event needs a traits object (traits or context.traits)',
  );
}

function externalIds(message: RudderMessage): Record<string, unknown>[] {
  const raw = message.context?.externalId;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.filter((e): e is Record<string, unknown> => isObject(e));
}

function idString(value: unknown, where: string): string {
  if ((typeof value === 'string' && value.trim()) || (typeof value === 'number' && Number.isFinite(value))) {
    return String(value).trim();
  }
  throw new InstrumentationError(`${where} must be a non-empty string`);
}

/** `Salesforce-Contact` → `Contact`; also the OAuth definitions' prefixes used by reverse ETL. */
const SALESFORCE_TYPE = /^salesforce(?:_oauth(?:_sandbox)?)?-(.+)$/i;

/** The fields of a record of `object` with the traits as they are (unmapped). */
function unmapped(object: string, traits: Record<string, unknown>): RecordFields {
  return buildFields(object, traits, false);
}

const multipleOf = (object: string, field: string, value: unknown) =>
  `Multiple ${object} records found with ${field} '${String(value)}'`;

function reverseEtlIntent(message: RudderMessage, traits: Record<string, unknown>): Intent {
  const entry = externalIds(message).find((e) => typeof e.type === 'string' && SALESFORCE_TYPE.test(e.type));
  const invalid = 'Invalid externalId. id, type, identifierType must be provided';
  if (!entry) {
    throw new InstrumentationError(
      `${invalid}: reverse ETL events need a context.externalId entry typed Salesforce-<Object>`,
    );
  }
  const { type, id, identifierType } = entry;
  if (id === undefined || id === null || id === '' || !identifierType) {
    throw new InstrumentationError(
      `${invalid}: the Salesforce externalId entry lacks ${id === undefined || id === null || id === '' ? 'id' : 'identifierType'}`,
    );
  }
  const object = assertIdentifier(
    (SALESFORCE_TYPE.exec(type as string) as RegExpExecArray)[1],
    'externalId object type',
  );
  const field = assertIdentifier(identifierType, 'externalId identifierType');
  if (field.toLowerCase() === 'id') {
    const recordId = idString(id, 'context.externalId[].id');
    return {
      object,
      fields: unmapped(object, traits),
      operation: 'update',
      find: { kind: 'id', id: recordId },
      multipleMessage: '',
    };
  }
  if (typeof id !== 'string' && typeof id !== 'number' && typeof id !== 'boolean') {
    throw new InstrumentationError('context.externalId[].id must be a string, number or boolean');
  }
  // The identifier is written too, so a record created by this event can be found by it next time.
  return {
    object,
    fields: unmapped(object, spreadWith(traits, field, id)),
    operation: 'upsert',
    find: { kind: 'match', fields: [{ field, value: id }], operator: 'and' },
    multipleMessage: multipleOf(object, field, id),
  };
}

const contextTraitsOf = (message: RudderMessage): Record<string, unknown> | undefined => {
  const traits = message.context?.traits;
  return isObject(traits) ? traits : undefined;
};

/** The address `value` gives at `path`; undefined when it gives none; throws when it is not an address. */
function emailAt(path: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InstrumentationError(
      `${path} must be a string (an email address) to find the Lead; got ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}`,
    );
  }
  const address = value.trim();
  const problem = emailProblem(address);
  if (problem) {
    throw new InstrumentationError(
      `${path} ${JSON.stringify(value)} is not an email address Salesforce accepts: ${problem}. Send the person's address, for example name@example.com`,
    );
  }
  return address;
}

/** The person's email address: the first given of traits.email, context.traits.email, properties.email. */
function emailOf(message: RudderMessage, traits: Record<string, unknown>): string {
  const address =
    emailAt('traits.email', traits.email) ??
    emailAt('context.traits.email', contextTraitsOf(message)?.email) ??
    emailAt('properties.email', isObject(message.properties) ? message.properties.email : undefined);
  if (address !== undefined) return address;
  throw new InstrumentationError(
    'Invalid Email address for Lead Object: add traits.email, or a context.externalId entry typed Salesforce-<Object> to write another object',
  );
}

/**
 * A Lead or Contact record built for a person. A mapped record carries the address it is found by (trimmed,
 * wherever the event gave it), so a Lead created now is found next time.
 */
function personFields(
  object: 'Lead' | 'Contact',
  email: string,
  traits: Record<string, unknown>,
  mapped: boolean,
): RecordFields {
  const fields = buildFields(object, traits, mapped);
  if (mapped) fields.fields.Email = email;
  return fields;
}

/** The Contact fields of a converted Lead, built only when they are needed. */
function lazyContactFields(email: string, traits: Record<string, unknown>, mapped: boolean) {
  return (): RecordFields => personFields('Contact', email, traits, mapped);
}

/** A Lead found by email: updated when found (its Contact when converted, with useContactId), created when not. */
function leadByEmail(email: string, traits: Record<string, unknown>, mapped: boolean): Intent {
  return {
    object: 'Lead',
    operation: 'upsert',
    find: { kind: 'match', fields: [{ field: 'Email', value: email }], operator: 'and' },
    fields: personFields('Lead', email, traits, mapped),
    contactFields: lazyContactFields(email, traits, mapped),
    multipleMessage: `Multiple lead records found with email '${email}'`,
  };
}

/** `context.externalId` entries typed `Salesforce-<Object>`: update by id, or create without one. */
function externalIdIntents(message: RudderMessage, traits: Record<string, unknown>): Intent[] {
  // Most identifies carry no external id: nothing to list.
  if (!message.context?.externalId) return [];
  const intents: Intent[] = [];
  externalIds(message).forEach((entry, index) => {
    if (typeof entry.type !== 'string' || !/^salesforce-/i.test(entry.type)) return;
    const object = assertIdentifier(
      entry.type.slice('salesforce-'.length),
      `context.externalId[${index}].type object`,
    );
    const hasId = entry.id !== undefined && entry.id !== null && entry.id !== '';
    // An object named by the event gets the traits as they are (product description: "For other objects,
    // RudderStack does not modify the traits"; its Salesforce-Contact example sends FirstName/LastName/Email).
    const fields = unmapped(object, traits);
    intents.push(
      hasId
        ? {
            object,
            fields,
            operation: 'update',
            find: { kind: 'id', id: idString(entry.id, `context.externalId[${index}].id`) },
            multipleMessage: '',
          }
        : { object, fields, operation: 'create', find: { kind: 'new' }, multipleMessage: '' },
    );
  });
  return intents;
}

/** An event no rule maps, and that is not an identify. */
function unsupported(message: RudderMessage, config: SalesforceConfig): InstrumentationError {
  const type = JSON.stringify(message.type);
  if (config.rules.length === 0) {
    return new InstrumentationError(
      `message type ${type} is not supported: Salesforce accepts identify events only (or the events an eventMappings rule maps)`,
    );
  }
  const event = (message as { event?: unknown }).event;
  const named = typeof event === 'string' && message.type === 'track' ? ` ${JSON.stringify(event)}` : '';
  return new InstrumentationError(
    `message type ${type} is not supported: no eventMappings rule maps ${String(message.type)}${named} events`,
  );
}

/**
 * The records an event writes: those of every `eventMappings` rule that matches it; with none, an identify's built-in
 * records (Lead by email, external ids, reverse ETL). Throws an InstrumentationError naming the field for a bad event.
 * `rules`: the matching rules when {@link checkEvent} already found them.
 */
export function toIntents(
  message: RudderMessage,
  config: SalesforceConfig,
  rules: readonly CompiledRule[] = matchingRules(message, config.rules),
): Intent[] {
  if (rules.length) return rules.map((rule) => ruleIntent(rule, message));
  const traits = traitsOf(message);
  const mappedToDestination = message.context?.mappedToDestination;
  if (mappedToDestination === true || mappedToDestination === 'true')
    return [reverseEtlIntent(message, traits)];
  const intents = externalIdIntents(message, traits);
  if (intents.length) return intents;
  return [leadByEmail(emailOf(message, traits), traits, config.mapProperty)];
}
