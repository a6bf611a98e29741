/**
 * Traits → Salesforce fields. Lead and Contact go through their mapping configs (data/*.json); every other trait
 * becomes a custom field `<trait>__c`, exactly as cased (product description). Other objects get the traits as
 * they are. Placeholders (`n/a` LastName and Company) are kept apart as `createDefaults`, so a create gets them and
 * an update never overwrites a real value with them (fixes the reference's W14, rudder-contract.md B.10).
 */
import { InstrumentationError } from '../../../framework/errors';
import {
  constructPayloadWithDefaults,
  isPresent,
  loadMappingConfig,
  sourceRoots,
  type MappingConfig,
} from '../../../framework/mapping';
import leadMappingJson from './data/SFIdentifyLeadConfig.json';
import contactMappingJson from './data/SFIdentifyContactConfig.json';
import nonCustomTraitsJson from './data/SFNonCustomTraits.json';

export const LEAD_MAPPING: MappingConfig = loadMappingConfig('SFIdentifyLeadConfig.json', leadMappingJson);
export const CONTACT_MAPPING: MappingConfig = loadMappingConfig(
  'SFIdentifyContactConfig.json',
  contactMappingJson,
);

function loadTraitList(name: string, raw: unknown): ReadonlySet<string> {
  if (!Array.isArray(raw) || !raw.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new Error(`Invalid ${name}: expected an array of trait names`);
  }
  return new Set(raw as string[]);
}
/** Standard Rudder traits that are never custom fields (they are mapped, structural, or read-only in Salesforce). */
export const NON_CUSTOM_TRAITS = loadTraitList('SFNonCustomTraits.json', nonCustomTraitsJson);

interface ObjectMapping {
  mapping: MappingConfig;
  /** Traits consumed by the mapping or known not to be custom fields. */
  consumed: ReadonlySet<string>;
}
const MAPPINGS: Record<string, ObjectMapping> = {
  lead: { mapping: LEAD_MAPPING, consumed: new Set([...sourceRoots(LEAD_MAPPING), ...NON_CUSTOM_TRAITS]) },
  contact: {
    mapping: CONTACT_MAPPING,
    consumed: new Set([...sourceRoots(CONTACT_MAPPING), ...NON_CUSTOM_TRAITS]),
  },
};

export interface RecordFields {
  /** Fields sent on create and update. */
  fields: Record<string, unknown>;
  /** Placeholders for required fields, sent only when creating and only where `fields` has no value. */
  createDefaults: Record<string, unknown>;
}

const CUSTOM_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

const hasOwn = Object.prototype.hasOwnProperty;

/** `firstName` / `lastName` from `name` ("Peter Gibbons" → Peter, Gibbons), as the reference (rudder-contract.md A.4.5). */
function withNames(traits: Record<string, unknown>): Record<string, unknown> {
  if (typeof traits.name !== 'string' || !traits.name || (traits.firstName && traits.lastName)) return traits;
  const name = traits.name.trim().split(/\s+/);
  // A view over the traits (no copy): the two names shadow the traits' own.
  const source = Object.create(traits) as Record<string, unknown>;
  source.firstName = traits.firstName || name[0] || undefined;
  source.lastName = traits.lastName || (name.length > 1 ? name[name.length - 1] : undefined);
  return source;
}

/** The custom fields of the traits no mapping consumed, written into `out` (after what it holds). */
function customFields(
  traits: Record<string, unknown>,
  consumed: ReadonlySet<string>,
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const key in traits) {
    // Own keys only, in Object.keys order (no key list built per record).
    if (!hasOwn.call(traits, key)) continue;
    const value = traits[key];
    if (consumed.has(key) || !isPresent(value)) continue;
    if (!CUSTOM_FIELD_NAME.test(key)) {
      throw new InstrumentationError(
        `Trait "${key}" cannot become a Salesforce custom field: API names use letters, digits and underscores. Rename the trait (for example "${key.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^[^A-Za-z]+/, '') || 'myTrait'}") and create the field in Salesforce first`,
      );
    }
    out[key.endsWith('__c') ? key : `${key}__c`] = value;
  }
  return out;
}

function withoutUndefined(
  traits: Record<string, unknown>,
  drop: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(traits)) {
    const value = traits[key];
    if (value !== undefined && !drop.includes(key)) out[key] = value;
  }
  return out;
}

/**
 * Fields for one record of `objectType`. With `mapped` (the `mapProperty` setting, and not reverse ETL), Lead and
 * Contact are mapped; otherwise traits are sent as they are (minus `Id`, which belongs in the URL).
 */
export function buildFields(
  objectType: string,
  traits: Record<string, unknown>,
  mapped: boolean,
): RecordFields {
  // Lead and Contact, as the built-in mapping names them, without lower-casing the name per record.
  const objectMapping = !mapped
    ? undefined
    : objectType === 'Lead'
      ? MAPPINGS.lead
      : objectType === 'Contact'
        ? MAPPINGS.contact
        : MAPPINGS[objectType.toLowerCase()];
  if (!objectMapping) return { fields: withoutUndefined(traits, ['Id']), createDefaults: {} };
  const { payload, createDefaults } = constructPayloadWithDefaults(withNames(traits), objectMapping.mapping);
  return { fields: customFields(traits, objectMapping.consumed, payload), createDefaults };
}
