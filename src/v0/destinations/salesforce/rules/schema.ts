/**
 * The `eventMappings` destination config key: an ordered list of rules that map events to Salesforce records. One
 * JSON Schema (TypeBox) is both the check a rule must pass and the type the code reads. Checks across keys (an
 * update needs a way to find its record...) are in compile.ts, with the same kind of message.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MappingEntrySchema } from '../../../../framework/mapping';

/** A Salesforce API name: object and field names are whitelisted, never escaped. */
const ApiName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,254}$' });
const Path = Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_$][A-Za-z0-9_$.-]*$' });
const SourceKeys = Type.Union([Path, Type.Array(Path, { minItems: 1 })]);

const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'record'] as const;
const OPERATIONS = ['create', 'update', 'upsert', 'delete'] as const;
const MATCH_OPERATORS = ['and', 'or'] as const;
const IF_MULTIPLE = ['error', 'first', 'all'] as const;

/** One of `values`, typed as their union. */
const literals = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

/** How a record is found: fields compared with values from the event (case-insensitively for text). */
const MatchSchema = Type.Object(
  {
    fields: Type.Array(
      Type.Object({ field: ApiName, sourceKeys: SourceKeys }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: 10,
      },
    ),
    operator: Type.Optional(literals(MATCH_OPERATORS)),
  },
  { additionalProperties: false },
);

/**
 * A field whose value is the id of another record, found like a rule's record: the person's Lead or Contact for a
 * Task's WhoId, a CampaignMember's LeadId... With several objects, the first one that has a match is used.
 */
const ReferenceEntrySchema = Type.Object(
  {
    destKey: ApiName,
    reference: Type.Object(
      {
        object: Type.Union([ApiName, Type.Array(ApiName, { minItems: 1, maxItems: 5 })]),
        match: MatchSchema,
      },
      { additionalProperties: false },
    ),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RuleSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    when: Type.Object(
      {
        type: literals(EVENT_TYPES),
        event: Type.Optional(
          Type.Union([
            Type.String({ minLength: 1 }),
            Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
          ]),
        ),
      },
      { additionalProperties: false },
    ),
    object: ApiName,
    /** Optional for record events, whose `action` picks it; required for the other types. */
    operation: Type.Optional(literals(OPERATIONS)),
    match: Type.Optional(MatchSchema),
    externalIdField: Type.Optional(ApiName),
    externalIdSourceKeys: Type.Optional(SourceKeys),
    fields: Type.Optional(
      Type.Array(Type.Union([MappingEntrySchema, ReferenceEntrySchema]), { minItems: 1 }),
    ),
    ifMultiple: Type.Optional(literals(IF_MULTIPLE)),
  },
  { additionalProperties: false },
);

export type EventType = (typeof EVENT_TYPES)[number];
export type RuleOperation = (typeof OPERATIONS)[number];
export type MatchOperator = (typeof MATCH_OPERATORS)[number];
export type IfMultiple = (typeof IF_MULTIPLE)[number];
export type MatchSpec = Static<typeof MatchSchema>;
export type ReferenceEntry = Static<typeof ReferenceEntrySchema>;
export type Rule = Static<typeof RuleSchema>;
