/**
 * Rules Salesforce applies to particular standard objects when a record is created, beyond what field flags
 * express: an Event needs a start and an end, and a campaign member names exactly one Lead or Contact and may
 * join a campaign only once.
 */
import { formatDateTime, parseDateTime } from './clock';
import { SfError } from './errors';
import type { FieldDef, ObjectDef } from './schema';
import type { FieldValue, SimRecord } from './types';

export type FieldValues = Map<FieldDef, FieldValue>;

export interface RuleEnv {
  /** The live (not deleted) rows of `def` whose `field` equals `value`. */
  liveRowsWhere(def: ObjectDef, field: FieldDef, value: FieldValue): SimRecord[];
}

/** Reads and writes the values of one create by field name. */
export class CreateValues {
  constructor(
    readonly def: ObjectDef,
    readonly values: FieldValues,
  ) {}

  field(name: string): FieldDef {
    const f = this.def.fieldMap.get(name.toLowerCase());
    if (!f) throw new Error(`rules: ${this.def.name} has no field ${name}`);
    return f;
  }

  get(name: string): FieldValue {
    return this.values.get(this.field(name)) ?? null;
  }

  set(name: string, value: FieldValue): void {
    this.values.set(this.field(name), value);
  }
}

interface CreateRules {
  /** A REQUIRED_FIELD_MISSING-style error no required flag can express. */
  invalid?(v: CreateValues): SfError | undefined;
  /** A conflict with rows already stored. */
  conflict?(v: CreateValues, env: RuleEnv): SfError | undefined;
  /** Values Salesforce fills in from the ones sent. */
  derive?(v: CreateValues): void;
}

export function requiredFieldsMissing(names: string[]): SfError {
  return new SfError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${names.join(', ')}]`, names);
}

function stampMs(v: FieldValue): number {
  return parseDateTime(String(v));
}

const MINUTE_MS = 60_000;

/** An Event starts at ActivityDateTime (alias StartDateTime) and ends after DurationInMinutes or at EndDateTime. */
const EVENT_RULES: CreateRules = {
  invalid(v) {
    const missing: string[] = [];
    if (v.get('ActivityDateTime') === null && v.get('StartDateTime') === null)
      missing.push('ActivityDateTime');
    if (v.get('DurationInMinutes') === null && v.get('EndDateTime') === null)
      missing.push('DurationInMinutes');
    return missing.length > 0 ? requiredFieldsMissing(missing) : undefined;
  },
  derive(v) {
    const start = v.get('StartDateTime') ?? v.get('ActivityDateTime');
    v.set('StartDateTime', start);
    v.set('ActivityDateTime', start);
    const duration = v.get('DurationInMinutes');
    const end = v.get('EndDateTime');
    if (end === null && typeof duration === 'number') {
      v.set('EndDateTime', formatDateTime(stampMs(start) + duration * MINUTE_MS));
    }
    if (duration === null && end !== null) {
      v.set('DurationInMinutes', Math.round((stampMs(end) - stampMs(start)) / MINUTE_MS));
    }
  },
};

/** The member is a Lead or a Contact, never both and never neither. */
function memberField(v: CreateValues): 'LeadId' | 'ContactId' {
  return v.get('LeadId') !== null ? 'LeadId' : 'ContactId';
}

const CAMPAIGN_MEMBER_RULES: CreateRules = {
  invalid(v) {
    const lead = v.get('LeadId') !== null;
    const contact = v.get('ContactId') !== null;
    if (lead !== contact) return undefined;
    const message = lead
      ? 'Required fields are missing: exactly one of [LeadId, ContactId] may be set'
      : 'Required fields are missing: [LeadId or ContactId]';
    return new SfError('REQUIRED_FIELD_MISSING', message, ['LeadId', 'ContactId']);
  },
  conflict(v, env) {
    const member = memberField(v);
    const memberId = v.get(member);
    const sameCampaign = env.liveRowsWhere(v.def, v.field('CampaignId'), v.get('CampaignId'));
    if (!sameCampaign.some((row) => row[member] === memberId)) return undefined;
    return new SfError('DUPLICATE_VALUE', 'Already a campaign member.', []);
  },
};

const RULES: Record<string, CreateRules> = {
  Event: EVENT_RULES,
  CampaignMember: CAMPAIGN_MEMBER_RULES,
};

/** The object-specific create rules, or none. Custom objects never have any. */
export function createRules(def: ObjectDef): CreateRules {
  return (!def.custom && RULES[def.name]) || {};
}
