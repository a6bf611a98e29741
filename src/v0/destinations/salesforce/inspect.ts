/**
 * What an event becomes, explained: the mapping that applies (the `eventMappings` rules that match it, or the built-in
 * identify mapping), the lookups the plan runs and the request each of its writes becomes, or the error it gets. The CLI's `preview` shows it; nothing is written (the writes are only built).
 */
import { toErrorObject, type StatTags } from '../../../framework/errors';
import type { ProcessorEvent, RequestDescriptor } from '../../../framework/types';
import type { SalesforceClient } from './client';
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

/** The rules (or the built-in mapping) that map the event; none when its config is invalid. */
function mappingOf(event: ProcessorEvent, runtime: SalesforceRuntime): string[] {
  try {
    const config = runtime.config(event.destination);
    const rules = matchingRules(event.message, config.rules);
    if (rules.length)
      return rules.map((r) => `${r.label}: ${r.operation ?? "the record's action on"} ${r.object}`);
    return event.message.type === 'identify' ? [BUILT_IN] : [];
  } catch {
    return []; // the config error is the event's rejection, reported below
  }
}

/**
 * Run one event through the plan on a fresh runtime. `client` replaces the HTTP client (an offline preview answers
 * every lookup "not found"); without it, the sign-in and lookups really run against the configured org.
 */
export async function inspectEvent(
  event: ProcessorEvent,
  options: RuntimeOptions & { client?: SalesforceClient } = {},
): Promise<Inspection> {
  const lookups: string[] = [];
  // One runtime reads the config and holds the client (the given one, or its HTTP client) whose calls are recorded.
  const runtime = createRuntime(options);
  const mappedBy = mappingOf(event, runtime);
  const inner = runtime.client;
  const destination = createSalesforceDestination({ ...options, client: recording(inner, lookups) });
  try {
    return { mappedBy, lookups, requests: await destination.process(event) };
  } catch (error) {
    const { status, message, statTags } = toErrorObject(error, {}, false);
    return { mappedBy, lookups, requests: [], rejected: { status, message, statTags } };
  }
}
