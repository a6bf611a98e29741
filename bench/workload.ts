/**
 * Seeded workloads for the benchmark (and builders shared with the end-to-end tests).
 *
 * Identify workload of N events: ~50% for Leads that already exist (seeded first), ~35% new people, ~5% with a
 * `Salesforce-Contact` external id of a seeded Contact, ~10% repeating an email used a few events earlier (in
 * another letter case half of the time). Lead events carry custom traits that exist in the org (`plan__c`,
 * `score__c`). Reverse-ETL workload: `mappedToDestination` events upserting `Product__c` by its External ID
 * field `Sku__c`, half of them for products that exist.
 */
import type { Destination, Metadata, RouterInput } from '../src/framework/types';
import type { SimOptions } from '../tools/salesforce-sim';
import groupAccount from '../src/v0/destinations/salesforce/data/presets/group-account.json';
import trackTask from '../src/v0/destinations/salesforce/data/presets/track-task.json';

/** The mapped workload's rules: the README presets, as a user copies them. */
export const MAPPED_RULES: unknown[] = [...groupAccount, ...trackTask];

/** mulberry32: a tiny seeded PRNG, so two runs with the same seed see the same events. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The org the workloads need: the custom fields and the custom object with its External ID field. */
export const SIM_OPTIONS: SimOptions = {
  customFields: { Lead: { plan__c: 'string', score__c: 'double' } },
  customObjects: { Product__c: { Name: 'string', Sku__c: 'string', Price__c: 'double' } },
  externalIdFields: { Product__c: ['Sku__c'] },
};

export function makeDestination(id: string, config: Record<string, unknown>): Destination {
  return {
    ID: id,
    Name: 'Salesforce bench',
    Enabled: true,
    WorkspaceID: 'ws-bench',
    Config: config,
    DestinationDefinition: { ID: 'def-sf', Name: 'SALESFORCE', DisplayName: 'Salesforce', Config: {} },
  };
}

export interface EventSpec {
  jobId: number;
  /** rudder-server's order key: one per person. */
  userId: string;
  traits: Record<string, unknown>;
  externalId?: Record<string, unknown>[];
  mappedToDestination?: boolean;
  integrations?: Record<string, unknown>;
  type?: string;
  dontBatch?: boolean;
}

/** A router input (also a processor event) for the destination. */
export function identify(destination: Destination, spec: EventSpec): RouterInput {
  const context: Record<string, unknown> = { library: { name: 'bench' } };
  if (spec.externalId) context.externalId = spec.externalId;
  if (spec.mappedToDestination) context.mappedToDestination = true;
  const metadata: Metadata & Record<string, unknown> = {
    jobId: spec.jobId,
    userId: spec.userId,
    attemptNum: 0,
    transformAt: 'router',
    workspaceId: 'ws-bench',
    sourceId: 'src-bench',
    destinationId: destination.ID,
    receivedAt: '2025-01-01T00:00:00.000Z',
    dontBatch: spec.dontBatch ?? false,
  };
  const message: RouterInput['message'] & Record<string, unknown> = {
    type: spec.type ?? 'identify',
    userId: spec.userId,
    anonymousId: `anon-${spec.userId}`,
    messageId: `msg-${spec.jobId}`,
    traits: spec.traits,
    integrations: spec.integrations ?? { Salesforce: true },
    context,
    originalTimestamp: '2025-01-01T00:00:00.000Z',
  };
  return { message, metadata, destination };
}

export type IdentifyKind = 'existing' | 'new' | 'contact' | 'repeat';

export interface IdentifyWorkload {
  /** Leads to seed before the run (emails of the "existing" events). */
  leadSeeds: Record<string, unknown>[];
  /** Contacts to seed; their ids are given to `build`. */
  contactSeeds: Record<string, unknown>[];
  /** The events, in jobId order (1..N). */
  build(destination: Destination, contactIds: string[]): RouterInput[];
  kinds: Record<IdentifyKind, number>;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Radia', 'Leslie', 'Frances'];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Thompson',
  'Perlman',
  'Lamport',
];
const PLANS = ['free', 'pro', 'enterprise'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function oddCase(email: string, rand: () => number): string {
  return rand() < 0.5 ? email.toUpperCase() : email;
}

export function identifyWorkload(n: number, seed: number): IdentifyWorkload {
  const rand = prng(seed);
  interface Planned {
    kind: IdentifyKind;
    userId: string;
    traits: Record<string, unknown>;
    contact?: number;
  }
  const planned: Planned[] = [];
  const leadSeeds: Record<string, unknown>[] = [];
  const contactSeeds: Record<string, unknown>[] = [];
  const emails: { email: string; userId: string }[] = [];
  const kinds: Record<IdentifyKind, number> = { existing: 0, new: 0, contact: 0, repeat: 0 };
  for (let i = 0; i < n; i += 1) {
    const r = rand();
    let kind: IdentifyKind = r < 0.5 ? 'existing' : r < 0.85 ? 'new' : r < 0.9 ? 'contact' : 'repeat';
    if (kind === 'repeat' && emails.length === 0) kind = 'new';
    const first = pick(rand, FIRST);
    const last = pick(rand, LAST);
    const custom = { plan: pick(rand, PLANS), score: Math.round(rand() * 1000) / 10 };
    if (kind === 'existing') {
      const email = `lead-${leadSeeds.length}@seeded.example.com`;
      leadSeeds.push({ Email: email, FirstName: first, LastName: last, Company: 'Seeded Co' });
      const userId = `u-lead-${leadSeeds.length - 1}`;
      emails.push({ email, userId });
      // No lastName or company: an update must not overwrite them with n/a.
      planned.push({ kind, userId, traits: { email, firstName: first, ...custom } });
    } else if (kind === 'new') {
      const email = `new-${i}@people.example.com`;
      const userId = `u-new-${i}`;
      emails.push({ email, userId });
      const traits: Record<string, unknown> = { email, firstName: first, lastName: last, ...custom };
      if (rand() < 0.7) traits.company = `${last} Labs`;
      planned.push({ kind, userId, traits });
    } else if (kind === 'contact') {
      const index = contactSeeds.length;
      contactSeeds.push({
        Email: `contact-${index}@seeded.example.com`,
        FirstName: first,
        LastName: last,
      });
      planned.push({
        kind,
        userId: `u-contact-${index}`,
        contact: index,
        traits: { Email: `contact-${index}@seeded.example.com`, Title: `Title ${i}` },
      });
    } else {
      // An email used a few events earlier: usually in the same batch from batch 20 up.
      const back = Math.min(emails.length, 1 + Math.floor(rand() * 8));
      const earlier = emails[emails.length - back];
      planned.push({
        kind,
        userId: earlier.userId,
        traits: { email: oddCase(earlier.email, rand), title: `Repeat ${i}`, ...custom },
      });
    }
    kinds[kind] += 1;
  }
  return {
    leadSeeds,
    contactSeeds,
    kinds,
    build(destination, contactIds) {
      return planned.map((p, i) =>
        identify(destination, {
          jobId: i + 1,
          userId: p.userId,
          traits: p.traits,
          externalId:
            p.contact === undefined ? undefined : [{ type: 'Salesforce-Contact', id: contactIds[p.contact] }],
        }),
      );
    },
  };
}

export interface ReverseEtlWorkload {
  productSeeds: Record<string, unknown>[];
  build(destination: Destination): RouterInput[];
}

/** N reverse-ETL events upserting Product__c by Sku__c; even SKUs exist already. */
export function reverseEtlWorkload(n: number, seed: number): ReverseEtlWorkload {
  const rand = prng(seed + 1);
  const productSeeds: Record<string, unknown>[] = [];
  const specs: EventSpec[] = [];
  for (let i = 0; i < n; i += 1) {
    const sku = `SKU-${i}`;
    if (i % 2 === 0) productSeeds.push({ Name: `Seeded ${sku}`, Sku__c: sku, Price__c: 1 });
    specs.push({
      jobId: i + 1,
      userId: `sku-${i}`,
      traits: { Name: `Product ${i}`, Price__c: Math.round(rand() * 10000) / 100 },
      mappedToDestination: true,
      externalId: [{ type: 'SALESFORCE-Product__c', id: sku, identifierType: 'Sku__c' }],
    });
  }
  return { productSeeds, build: (destination) => specs.map((s) => identify(destination, s)) };
}

/** Leads sharing an email (case-insensitive): the number of extra Leads beyond one per email. */
export function duplicateLeads(leads: Record<string, unknown>[]): number {
  const seen = new Map<string, number>();
  for (const lead of leads) {
    if (lead.IsDeleted === true || typeof lead.Email !== 'string' || !lead.Email) continue;
    const key = lead.Email.toLowerCase();
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let extra = 0;
  for (const count of seen.values()) if (count > 1) extra += count - 1;
  return extra;
}

/**
 * The mapped workload (issue 13): 40% identify (half for seeded Leads, half new people), 30% group -> Account upsert
 * by AccountNumber (half of the accounts seeded, some accounts repeated), 30% track -> Task on the person's Lead
 * (a person identified earlier in the stream: seeded, or created in an earlier batch or in the same one).
 * The destination maps them with the presets `group-account` and `track-task`.
 */
export interface MappedWorkload {
  leadSeeds: Record<string, unknown>[];
  accountSeeds: Record<string, unknown>[];
  build(destination: Destination): RouterInput[];
  kinds: Record<'identify' | 'group' | 'track', number>;
}

interface MappedEvent {
  type: 'identify' | 'group' | 'track';
  userId: string;
  email: string;
  groupId?: string;
  traits: Record<string, unknown>;
  event?: string;
}

const TRACK_EVENTS = ['Demo Booked', 'Webinar Attended', 'Pricing Viewed', 'Trial Started'];

/** The next mapped event: identify, group or track, over the people and accounts seen so far. */
function nextMappedEvent(
  rand: () => number,
  i: number,
  people: { email: string; userId: string }[],
  seeds: { leads: Record<string, unknown>[]; accounts: Record<string, unknown>[] },
): MappedEvent {
  const r = rand();
  if (r < 0.4 || people.length === 0) {
    const seeded = rand() < 0.5;
    const email = seeded ? `lead-${seeds.leads.length}@seeded.example.com` : `new-${i}@people.example.com`;
    const last = pick(rand, LAST);
    if (seeded) seeds.leads.push({ Email: email, LastName: last, Company: 'Seeded Co' });
    const person = { email, userId: `u-${i}` };
    people.push(person);
    const traits = { email, firstName: pick(rand, FIRST), lastName: last, company: `${last} Labs` };
    return { type: 'identify', ...person, traits };
  }
  const person = people[Math.floor(rand() * people.length)];
  if (r < 0.7) {
    // Accounts 0..299; even ones exist already; a few events repeat an account.
    const account = Math.floor(rand() * 300);
    const groupId = `ACC-${account}`;
    if (account % 2 === 0 && !seeds.accounts.some((a) => a.AccountNumber === groupId))
      seeds.accounts.push({ Name: `Seeded ${groupId}`, AccountNumber: groupId });
    const traits = { name: `Company ${account}`, industry: 'Software', employees: 10 + account };
    return { type: 'group', ...person, groupId, traits };
  }
  return { type: 'track', ...person, event: pick(rand, TRACK_EVENTS), traits: { email: person.email } };
}

function mappedInput(destination: Destination, e: MappedEvent, jobId: number): RouterInput {
  const input = identify(destination, { jobId, userId: e.userId, traits: e.traits, type: e.type });
  const message = input.message as Record<string, unknown>;
  if (e.type === 'group') message.groupId = e.groupId;
  if (e.type === 'track') {
    delete message.traits;
    message.event = e.event;
    message.properties = { description: `${e.event} by ${e.email}` };
    message.timestamp = '2025-01-01T00:00:00.000Z';
    (message.context as Record<string, unknown>).traits = { email: e.email };
  }
  return input;
}

export function mappedWorkload(n: number, seed: number): MappedWorkload {
  const rand = prng(seed + 2);
  const people: { email: string; userId: string }[] = [];
  const seeds = { leads: [] as Record<string, unknown>[], accounts: [] as Record<string, unknown>[] };
  const events: MappedEvent[] = [];
  const kinds = { identify: 0, group: 0, track: 0 };
  for (let i = 0; i < n; i += 1) {
    const e = nextMappedEvent(rand, i, people, seeds);
    kinds[e.type] += 1;
    events.push(e);
  }
  return {
    leadSeeds: seeds.leads,
    accountSeeds: seeds.accounts,
    kinds,
    build: (destination) => events.map((e, i) => mappedInput(destination, e, i + 1)),
  };
}

/** Accounts sharing an AccountNumber: the number of extra Accounts beyond one per number. */
export function duplicateAccounts(accounts: Record<string, unknown>[]): number {
  const numbers = accounts.map((a) => a.AccountNumber).filter((v) => typeof v === 'string' && v);
  return numbers.length - new Set(numbers).size;
}
