/**
 * What an event becomes, explained: the mapping that applies (the `eventMappings` rules that match it, or the built-in
 * identify mapping), the lookups the plan runs and the request each of its writes becomes, or the error it gets. The CLI's `preview` shows it; nothing is written (the writes are only built).
 */
import { toErrorObject, type StatTags } from '../../../framework/errors';
import type { ProcessorEvent, RequestDescriptor } from '../../../framework/types';
import type { SalesforceClient } from './client';
import type { CompiledRule } from './rules/compile';
import { matchingRules } from './rules/intents';
import { createSalesforceDestination } from './transform';
import { createRuntime, type RuntimeOptions, type SalesforceRuntime } from './runtime';

export interface Inspection {
  /**
   * What maps the event: each matching rule as `eventMappings[0] ("name"): upsert Account`, or the built-in identify
   * mapping. Empty when the config is invalid or nothing maps the event (then `rejected` says why).
   */
  mappedBy: string[];
  /** The SOQL the plan ran (or, with an offline client, would run). */
  lookups: string[];
  /** The requests the event's writes become; empty when it is rejected or filtered. */
  requests: RequestDescriptor[];
  /** Why the event is not sent: status 298 (filtered) or an error status. */
  rejected?: { status: number; message: string; statTags: StatTags };
  /**
   * When several rules map the event: the requests each rule's writes become on its own (the event run through a
   * config holding only that rule), since `requests` merges them. Empty when one rule or the built-in mapping maps it.
   */
  byRule: RuleRequests[];
}

/** What one matching rule's writes become on their own, or why that rule alone cannot write. */
export interface RuleRequests {
  rule: string;
  requests: RequestDescriptor[];
  rejected?: string;
}

/** `client` with every SOQL query it runs recorded in `lookups`. */
function recording(client: SalesforceClient, lookups: string[]): SalesforceClient {
  const recorded = Object.create(client) as SalesforceClient;
  recorded.query = (ctx, soql, suffix) => {
    lookups.push(soql);
    return client.query(ctx, soql, suffix);
  };
  if (client.queryMany) {
    const many = client.queryMany.bind(client);
    recorded.queryMany = (ctx, queries) => {
      lookups.push(...queries.map((q) => q.soql));
      return many(ctx, queries);
    };
  }
  return recorded;
}

const BUILT_IN =
  'built-in identify mapping (Lead by email; Contact with useContactId; externalId / reverse ETL objects)';

const mappingLine = (r: CompiledRule) => `${r.label}: ${r.operation ?? "the record's action on"} ${r.object}`;

/** The rules that map the event, in config order, with their index; undefined when its config is invalid. */
function matching(
  event: ProcessorEvent,
  runtime: SalesforceRuntime,
): { rule: CompiledRule; index: number }[] | undefined {
  try {
    const { rules } = runtime.config(event.destination);
    return matchingRules(event.message, rules).map((rule) => ({ rule, index: rules.indexOf(rule) }));
  } catch {
    return undefined; // the config error is the event's rejection, reported below
  }
}

type Options = RuntimeOptions & { client?: SalesforceClient };

/** The event through the plan on a fresh runtime, its lookups recorded. */
async function run(
  event: ProcessorEvent,
  options: Options,
  lookups: string[],
): Promise<Omit<Inspection, 'mappedBy' | 'byRule' | 'lookups'>> {
  // One runtime holds the client (the given one, or its HTTP client) whose calls are recorded.
  const inner = createRuntime(options).client;
  const destination = createSalesforceDestination({ ...options, client: recording(inner, lookups) });
  try {
    return { requests: await destination.process(event) };
  } catch (error) {
    const { status, message, statTags } = toErrorObject(error, {}, false);
    return { requests: [], rejected: { status, message, statTags } };
  }
}

/** Each matching rule on its own: the event through a config whose eventMappings hold only that rule. */
async function byRule(
  event: ProcessorEvent,
  options: Options,
  rules: { rule: CompiledRule; index: number }[],
): Promise<RuleRequests[]> {
  if (rules.length < 2) return [];
  const all = event.destination.Config.eventMappings as unknown[];
  const out: RuleRequests[] = [];
  for (const { rule, index } of rules) {
    const Config = { ...event.destination.Config, eventMappings: [all[index]] };
    const alone = await run({ ...event, destination: { ...event.destination, Config } }, options, []);
    const entry: RuleRequests = { rule: mappingLine(rule), requests: alone.requests };
    // Alone, the rule is eventMappings[0]: its messages name it as the config does.
    if (alone.rejected)
      entry.rejected = alone.rejected.message.split('eventMappings[0]').join(`eventMappings[${index}]`);
    out.push(entry);
  }
  return out;
}

/**
 * Run one event through the plan on a fresh runtime. `client` replaces the HTTP client (an offline preview answers
 * every lookup "not found"); without it, the sign-in and lookups really run against the configured org.
 */
export async function inspectEvent(event: ProcessorEvent, options: Options = {}): Promise<Inspection> {
  const rules = matching(event, createRuntime(options));
  const mappedBy = !rules
    ? []
    : rules.length
      ? rules.map(({ rule }) => mappingLine(rule))
      : event.message.type === 'identify'
        ? [BUILT_IN]
        : [];
  const lookups: string[] = [];
  const result = await run(event, options, lookups);
  return { mappedBy, lookups, ...result, byRule: await byRule(event, options, rules ?? []) };
}
