/**
 * The batched plan (DESIGN.md "The batched router plan"), shared by `process` (a batch of one) and
 * `processRouterDest`:
 *
 * 1. validate and map each event on its own; a bad event is its own error and never fails the batch;
 * 2. check the API quota, then resolve every lookup of the batch together: one SOQL query per object and
 *    identifier field (chunked); a lookup by an External ID field becomes a native upsert instead (no query);
 *    fields are checked against each object's describe (cached);
 * 3. merge the writes that hit the same record (same id, or same new email, case-insensitive) in event order;
 * 4. group jobs that share a record, so each job's writes travel in exactly one output.
 *
 * Pure given its inputs and the injected client: the only I/O is `client.authorize` and `client.query`.
 */
import { NetworkInstrumentationError, RetryableError, toErrorObject } from '../../../framework/errors';
import type { Destination, RouterInput } from '../../../framework/types';
import type { AuthInfo } from './auth';
import type { ObjectDescription, SalesforceClient, SessionContext, SObjectRecord } from './client';
import { checkFields, type WriteKind } from './fieldCheck';
import { parseConfig, type SalesforceConfig } from './config';
import { buildFields, type RecordFields } from './payload';
import { checkEvent, toIntents, type RecordIntent, type Target } from './records';
import { buildLookupQueries, type SoqlValue } from './soql';

const LEAD_FIELDS = ['Id', 'Email', 'IsConverted', 'ConvertedContactId', 'IsDeleted'] as const;

/** One record to write, possibly carrying several merged events. */
export interface PlannedWrite {
  key: string;
  object: string;
  /** Absent: create (or upsert). */
  id?: string;
  /** Native upsert by an External ID field: no lookup, Salesforce creates or updates. */
  upsert?: { field: string; value: SoqlValue };
  fields: Record<string, unknown>;
  createDefaults: Record<string, unknown>;
  /** Indexes (into the batch) of the jobs whose data is in this write, in event order. */
  jobs: number[];
}

export type JobOutcome =
  | { kind: 'passthrough' }
  | { kind: 'error'; error: unknown }
  | { kind: 'write'; writes: PlannedWrite[]; dropped: string[] };

/** A group of jobs that must travel together: they share at least one record. */
export interface JobGroup {
  jobs: number[];
  writes: PlannedWrite[];
}

export interface BatchPlan {
  destination: Destination;
  config?: SalesforceConfig;
  auth?: AuthInfo;
  outcomes: JobOutcome[];
  groups: JobGroup[];
}

/** A target after planning: a lookup by an External ID field becomes a native upsert. */
type PlanTarget = Target | { kind: 'upsert'; object: string; field: string; value: SoqlValue };
interface PlanIntent extends Omit<RecordIntent, 'target'> {
  target: PlanTarget;
}

/** The session and config a plan's writes are built with; present whenever the plan has writes. */
export function writeContext(plan: BatchPlan): { auth: AuthInfo; config: SalesforceConfig } {
  if (!plan.auth || !plan.config) throw new Error('a planned write needs a session and a config');
  return { auth: plan.auth, config: plan.config };
}

interface PreparedJob {
  intents: PlanIntent[];
  fields: RecordFields[];
}

const norm = (value: SoqlValue): string => String(value).toLowerCase();

/** The user a job belongs to, for ordering: rudder-server's order key is `metadata.userId` (rudder-server.md 1.7). */
export function orderKey(input: RouterInput): string {
  const fromMetadata = input.metadata?.userId;
  if (fromMetadata !== undefined && fromMetadata !== null && fromMetadata !== '')
    return `m:${String(fromMetadata)}`;
  const { userId, anonymousId } = input.message;
  return `e:${String(userId ?? '')}:${String(anonymousId ?? '')}`;
}

function isRetryable(error: unknown): boolean {
  const { status } = toErrorObject(error, {}, false);
  return status >= 500 || status === 429;
}

/** The key of `record` that is `field` compared case-insensitively (field names are, in Salesforce). */
function fieldNamed(record: SObjectRecord, field: string): string {
  const wanted = field.toLowerCase();
  return Object.keys(record).find((k) => k.toLowerCase() === wanted) ?? field;
}

/** Lookup results, keyed by object + field and the normalised value. */
class LookupResults {
  private readonly found = new Map<string, SObjectRecord[]>();
  private readonly failed = new Map<string, unknown>();

  static key(object: string, field: string, value: SoqlValue): string {
    return `${object.toLowerCase()}|${field.toLowerCase()}|${norm(value)}`;
  }
  /** Salesforce answers with each field's own spelling, whatever the case the lookup was written in. */
  add(object: string, field: string, record: SObjectRecord): void {
    const value = field in record ? record[field] : record[fieldNamed(record, field)];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return;
    const key = LookupResults.key(object, field, value);
    const list = this.found.get(key);
    if (list) list.push(record);
    else this.found.set(key, [record]);
  }
  fail(object: string, field: string, value: SoqlValue, error: unknown): void {
    this.failed.set(LookupResults.key(object, field, value), error);
  }
  get(object: string, field: string, value: SoqlValue): SObjectRecord[] {
    const key = LookupResults.key(object, field, value);
    const error = this.failed.get(key);
    if (error !== undefined) throw error;
    return this.found.get(key) ?? [];
  }
}

function lookupOf(target: PlanTarget): { object: string; field: string; value: SoqlValue } | undefined {
  if (target.kind === 'leadByEmail') return { object: 'Lead', field: 'Email', value: target.email };
  if (target.kind === 'byField') return { object: target.object, field: target.field, value: target.value };
  return undefined;
}

async function runLookups(client: SalesforceClient, ctx: SessionContext, jobs: (PreparedJob | undefined)[]) {
  const wanted = new Map<string, { object: string; field: string; values: Map<string, SoqlValue> }>();
  for (const job of jobs) {
    for (const intent of job?.intents ?? []) {
      const lookup = lookupOf(intent.target);
      if (!lookup) continue;
      const groupKey = `${lookup.object.toLowerCase()}|${lookup.field.toLowerCase()}`;
      let group = wanted.get(groupKey);
      if (!group)
        wanted.set(groupKey, (group = { object: lookup.object, field: lookup.field, values: new Map() }));
      if (!group.values.has(norm(lookup.value))) group.values.set(norm(lookup.value), lookup.value);
    }
  }
  const results = new LookupResults();
  const queries: Promise<void>[] = [];
  for (const { object, field, values } of wanted.values()) {
    const isLead = object.toLowerCase() === 'lead' && field.toLowerCase() === 'email';
    const fields = isLead ? LEAD_FIELDS : field === 'Id' ? ['Id'] : ['Id', field];
    const suffix = isLead ? ':- during Lead Query' : ':- during record lookup';
    for (const { soql, values: chunk } of buildLookupQueries(object, fields, field, [...values.values()])) {
      queries.push(
        client.query(ctx, soql, suffix).then(
          (records) => records.forEach((r) => results.add(object, field, r)),
          (error: unknown) => chunk.forEach((v) => results.fail(object, field, v, error)),
        ),
      );
    }
  }
  await Promise.all(queries);
  return results;
}

interface Resolved {
  key: string;
  object: string;
  id?: string;
  upsert?: { field: string; value: SoqlValue };
  fields: RecordFields;
}

function resolveIntent(
  intent: PlanIntent,
  prepared: RecordFields,
  results: LookupResults,
  config: SalesforceConfig,
): Resolved {
  const { target } = intent;
  switch (target.kind) {
    case 'id':
      return {
        key: `id|${target.object.toLowerCase()}|${target.id}`,
        object: target.object,
        id: target.id,
        fields: prepared,
      };
    case 'new':
      return { key: '', object: target.object, fields: prepared };
    case 'upsert':
      return {
        key: `upsert|${target.object.toLowerCase()}|${target.field.toLowerCase()}|${norm(target.value)}`,
        object: target.object,
        upsert: { field: target.field, value: target.value },
        fields: prepared,
      };
    case 'byField': {
      const matches = results.get(target.object, target.field, target.value);
      if (matches.length > 1) {
        throw new NetworkInstrumentationError(
          `Multiple ${target.object} records found with ${target.field} '${String(target.value)}'`,
        );
      }
      if (matches.length === 1) {
        return {
          key: `id|${target.object.toLowerCase()}|${matches[0].Id}`,
          object: target.object,
          id: matches[0].Id,
          fields: prepared,
        };
      }
      return {
        key: `new|${target.object.toLowerCase()}|${target.field.toLowerCase()}|${norm(target.value)}`,
        object: target.object,
        fields: prepared,
      };
    }
    case 'leadByEmail': {
      const matches = results.get('Lead', 'Email', target.email);
      if (matches.length > 1)
        throw new NetworkInstrumentationError(`Multiple lead records found with email '${target.email}'`);
      if (matches.length === 0)
        return { key: `new|lead|email|${norm(target.email)}`, object: 'Lead', fields: prepared };
      const lead = matches[0];
      if (lead.IsDeleted === true) {
        throw new NetworkInstrumentationError(
          lead.IsConverted ? 'The contact has been deleted' : 'The lead has been deleted.',
        );
      }
      if (lead.IsConverted === true) {
        if (!config.useContactId) {
          throw new NetworkInstrumentationError(
            `The lead ${lead.Id} for '${target.email}' is converted and Salesforce refuses updates to converted leads; set useContactId in the destination config to update its contact instead`,
          );
        }
        const contactId = lead.ConvertedContactId;
        if (typeof contactId !== 'string' || !contactId) {
          throw new NetworkInstrumentationError(
            'The lead is converted but the converted contact id not found',
          );
        }
        return {
          key: `id|contact|${contactId}`,
          object: 'Contact',
          id: contactId,
          fields: buildFields('Contact', intent.traits, intent.mapped),
        };
      }
      return { key: `id|lead|${lead.Id}`, object: 'Lead', id: lead.Id, fields: prepared };
    }
  }
}

function initialObject(target: PlanTarget): string {
  return target.kind === 'leadByEmail' ? 'Lead' : target.object;
}

const writeKind = (r: Resolved): WriteKind => (r.upsert ? 'upsert' : r.id ? 'update' : 'create');

/** Describe every object in `objects` once (cached by the client); failures are kept per object. */
async function describeAll(
  client: SalesforceClient,
  ctx: SessionContext,
  objects: Iterable<string>,
  into: Descriptions,
) {
  if (!client.describe) return;
  const describe = client.describe.bind(client);
  const wanted = new Map<string, string>();
  for (const object of objects) {
    const key = object.toLowerCase();
    if (!into.has(key) && !wanted.has(key)) wanted.set(key, object);
  }
  await Promise.all(
    [...wanted].map(([key, object]) =>
      describe(ctx, object).then(
        (d) => into.set(key, d),
        (error: unknown) => into.set(key, { error }),
      ),
    ),
  );
}
type Descriptions = Map<string, ObjectDescription | { error: unknown }>;

function descriptionOf(descriptions: Descriptions, object: string): ObjectDescription | undefined {
  const d = descriptions.get(object.toLowerCase());
  if (d && 'error' in d) throw d.error;
  return d;
}

/** Union-find over jobs: jobs that share a write end in one group. */
function groupJobs(outcomes: JobOutcome[], writes: PlannedWrite[]): JobGroup[] {
  const parent = outcomes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (const write of writes) for (const j of write.jobs.slice(1)) parent[find(j)] = find(write.jobs[0]);
  const byRoot = new Map<number, JobGroup>();
  outcomes.forEach((outcome, i) => {
    if (outcome.kind !== 'write') return;
    const root = find(i);
    let group = byRoot.get(root);
    if (!group) byRoot.set(root, (group = { jobs: [], writes: [] }));
    group.jobs.push(i);
  });
  for (const write of writes) byRoot.get(find(write.jobs[0]))?.writes.push(write);
  return [...byRoot.values()];
}

/** Plan a batch of inputs that share one destination. Never throws: failures become per-job outcomes. */
export async function planBatch(inputs: RouterInput[], client: SalesforceClient): Promise<BatchPlan> {
  const destination = inputs[0].destination;
  const outcomes: JobOutcome[] = inputs.map(() => ({ kind: 'passthrough' }));
  const fail = (i: number, error: unknown) => (outcomes[i] = { kind: 'error', error });
  let config: SalesforceConfig;
  try {
    config = parseConfig(destination);
  } catch (error) {
    inputs.forEach(
      (input, i) => (outcomes[i] = input.message.statusCode ? outcomes[i] : { kind: 'error', error }),
    );
    return { destination, outcomes, groups: [] };
  }

  // 1. Each event on its own.
  const prepared: (PreparedJob | undefined)[] = inputs.map((input, i) => {
    if (input.message.statusCode) return undefined;
    try {
      checkEvent(input.message, config, destination);
      const intents = toIntents(input.message, config);
      return {
        intents,
        fields: intents.map((it) => buildFields(initialObject(it.target), it.traits, it.mapped)),
      };
    } catch (error) {
      fail(i, error);
      return undefined;
    }
  });
  const firstLive = prepared.findIndex(Boolean);
  if (firstLive < 0) return { destination, config, outcomes, groups: [] };

  // 2. Quota, one session, describes, then all lookups together.
  const ctx: SessionContext = { destination, metadata: inputs[firstLive].metadata, config };
  let auth: AuthInfo;
  try {
    client.beforeSpending?.(ctx);
    auth = await client.authorize(ctx);
  } catch (error) {
    prepared.forEach((job, i) => job && fail(i, error));
    return { destination, config, outcomes, groups: [] };
  }
  const descriptions: Descriptions = new Map();
  await describeAll(
    client,
    ctx,
    prepared.flatMap((job) => job?.intents.map((it) => initialObject(it.target)) ?? []),
    descriptions,
  );
  prepared.forEach((job, i) => {
    // An object we cannot describe cannot be written safely: fail its jobs before spending lookups on them.
    const failed = job?.intents
      .map((it) => descriptions.get(initialObject(it.target).toLowerCase()))
      .find((d): d is { error: unknown } => d !== undefined && 'error' in d);
    if (failed) {
      fail(i, failed.error);
      prepared[i] = undefined;
    }
  });
  prepared.forEach((job) => {
    job?.intents.forEach((intent) => {
      const { target } = intent;
      if (target.kind !== 'byField') return;
      const d = descriptions.get(target.object.toLowerCase());
      const field = d && !('error' in d) ? d.fields.get(target.field.toLowerCase()) : undefined;
      if (field?.externalId)
        intent.target = { kind: 'upsert', object: target.object, field: field.name, value: target.value };
    });
  });
  const results = await runLookups(client, ctx, prepared);

  // 3. Resolve each job's records.
  const resolvedJobs: (Resolved[] | undefined)[] = prepared.map((job, i) => {
    if (!job) return undefined;
    try {
      return job.intents.map((intent, k) => resolveIntent(intent, job.fields[k], results, config));
    } catch (error) {
      fail(i, error);
      return undefined;
    }
  });
  // Objects first met through a lookup (a converted Lead's Contact).
  await describeAll(
    client,
    ctx,
    resolvedJobs.flatMap((r) => r?.map((w) => w.object) ?? []),
    descriptions,
  );

  // The session may have been renewed during the lookups (an expired one is replaced): build requests with the
  // current one. A cache hit, no call.
  try {
    auth = await client.authorize(ctx);
  } catch (error) {
    resolvedJobs.forEach((r, i) => r && fail(i, error));
    return { destination, config, outcomes, groups: [] };
  }

  // 4. In event order: keep a user's later events back after a retryable failure, check fields, merge.
  const merged = new Map<string, PlannedWrite>();
  const allWrites: PlannedWrite[] = [];
  const blockedUsers = new Set<string>();
  resolvedJobs.forEach((resolved, i) => {
    const user = orderKey(inputs[i]);
    if (!resolved) {
      const outcome = outcomes[i];
      if (outcome.kind === 'error' && isRetryable(outcome.error)) blockedUsers.add(user);
      return;
    }
    if (blockedUsers.has(user)) {
      fail(
        i,
        new RetryableError(
          "Held back to keep this user's events in order: an earlier event of the user in this batch failed and will be retried",
        ),
      );
      return;
    }
    const dropped: string[] = [];
    let checked: Resolved[];
    try {
      checked = resolved.map((r) => {
        const description = descriptionOf(descriptions, r.object);
        if (!description) return r;
        const result = checkFields(r.object, r.fields, description, writeKind(r), config.unknownFieldPolicy);
        dropped.push(...result.dropped.map((f) => `${r.object}.${f}`));
        return { ...r, fields: result };
      });
    } catch (error) {
      fail(i, error);
      if (isRetryable(error)) blockedUsers.add(user);
      return;
    }
    const writes: PlannedWrite[] = [];
    for (const r of checked) {
      let write = r.key ? merged.get(r.key) : undefined;
      if (!write) {
        // The first event's field objects are this plan's own (built for it): the write adopts them.
        const { fields, createDefaults } = r.fields;
        write = { key: r.key, object: r.object, id: r.id, fields, createDefaults, jobs: [i] };
        if (r.upsert) write.upsert = r.upsert;
        if (r.key) merged.set(r.key, write);
        allWrites.push(write);
      } else {
        // Later events win, field by field.
        Object.assign(write.createDefaults, r.fields.createDefaults);
        Object.assign(write.fields, r.fields.fields);
        if (write.jobs[write.jobs.length - 1] !== i) write.jobs.push(i);
      }
      if (!writes.includes(write)) writes.push(write);
    }
    outcomes[i] = { kind: 'write', writes, dropped };
  });
  return { destination, config, auth, outcomes, groups: groupJobs(outcomes, allWrites) };
}
