/**
 * `sf-destination demo` (`npm run demo`): the destination end to end on the embedded Salesforce simulator, with no
 * account and no configuration.
 *
 * It starts the simulator on a free port, seeds an existing Lead and a Contact, runs a handful of realistic
 * identify events, plus a group and a track event mapped by the README's presets (`group-account`: group -> Account;
 * `track-task`: track -> Task on the person's Lead), through the router transform (as rudder-server calls `/routerTransform`), delivers every
 * deliverable element through the proxy v1 handler, and prints what happened to each event and the API calls it
 * cost compared with the reference implementation. It checks its own results: exit status 0 only when every
 * event had the expected outcome and the simulator holds the expected records.
 */
import { randomUUID } from 'node:crypto';
import type { Destination, Metadata, RudderMessage } from '../framework/types';
import { salesforceHandlers } from '../server/destinations';
import { runRouter, type RouterReplyElement } from '../server/router';
import { demoDestinationConfig, startSimulator, type Simulator } from '../../tools/salesforce-sim';
import { PRESETS } from '../v0/destinations/salesforce/index';
import { table, truncate, type Io } from './common';
import { deliverElement, type JobReport } from './deliver';
import type { RouterElement } from './outputsFile';

type Expected = 'created' | 'updated' | 'filtered' | 'rejected';

interface DemoEvent {
  label: string;
  userId: string;
  message: Record<string, unknown>;
  expected: Expected;
}

const EXISTING_LEAD = {
  Email: 'bill.lumbergh@initech.com',
  FirstName: 'Bill',
  LastName: 'Lumbergh',
  Company: 'Initech',
};
const EXISTING_CONTACT = { FirstName: 'Joanna', LastName: 'Chotchkie', Email: 'joanna@chotchkies.com' };

function identify(
  userId: string,
  traits: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'identify',
    userId,
    messageId: randomUUID(),
    integrations: { All: true, Salesforce: true },
    traits,
    context: { library: { name: 'rudder-sdk-js' } },
    ...extra,
  };
}

/**
 * The demo's events, as data. `contactExternalId` events carry `context.externalId: [{type: 'Salesforce-Contact',
 * id}]` with the seeded Contact's id; `message` replaces the identify built from `traits`.
 */
interface DemoEventSpec {
  label: string;
  userId: string;
  expected: Expected;
  traits?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  contactExternalId?: true;
  message?: Record<string, unknown>;
}

const DEMO_EVENTS: readonly DemoEventSpec[] = [
  {
    label: 'identify peter@initech.com (new person)',
    userId: 'peter',
    traits: {
      email: 'peter@initech.com',
      firstName: 'Peter',
      lastName: 'Gibbons',
      company: 'Initech',
      title: 'Software Engineer',
    },
    expected: 'created',
  },
  {
    label: `identify ${EXISTING_LEAD.Email} (Lead exists)`,
    userId: 'bill',
    traits: { email: EXISTING_LEAD.Email, title: 'Division VP', phone: '+1 555 0199' },
    expected: 'updated',
  },
  {
    label: 'identify samir@initech.com + custom trait newProp',
    userId: 'samir',
    traits: {
      email: 'samir@initech.com',
      lastName: 'Nagheenanajar',
      company: 'Initech',
      newProp: 'TPS reports',
    },
    expected: 'created',
  },
  {
    label: 'identify with externalId Salesforce-Contact',
    userId: 'joanna',
    traits: { title: 'Server', phone: '+1 555 0142' },
    contactExternalId: true,
    expected: 'updated',
  },
  {
    label: 'identify michael@initech.com (1st of 2)',
    userId: 'michael',
    traits: { email: 'michael@initech.com', lastName: 'Bolton', company: 'Initech' },
    expected: 'created',
  },
  {
    label: 'identify michael@initech.com (2nd, same batch)',
    userId: 'michael',
    traits: { email: 'michael@initech.com', phone: '+1 555 0100' },
    expected: 'created',
  },
  {
    label: 'identify without integrations.Salesforce',
    userId: 'tom',
    traits: { email: 'tom@initech.com', lastName: 'Smykowski' },
    integrations: { All: true },
    expected: 'filtered',
  },
  {
    label: 'group ACC-1001 Initech (preset group-account)',
    userId: 'peter',
    message: {
      type: 'group',
      userId: 'peter',
      groupId: 'ACC-1001',
      traits: { name: 'Initech', industry: 'Software', employees: 200 },
      integrations: { Salesforce: true },
    },
    expected: 'created',
  },
  {
    label: 'track "Demo Booked" by peter (preset track-task)',
    userId: 'peter',
    message: {
      type: 'track',
      userId: 'peter',
      event: 'Demo Booked',
      properties: { description: 'Wants to see the TPS report flow' },
      context: { traits: { email: 'peter@initech.com' } },
      integrations: { Salesforce: true },
    },
    expected: 'created',
  },
  {
    label: 'page "Pricing" (no rule maps page events)',
    userId: 'peter',
    message: { type: 'page', userId: 'peter', name: 'Pricing', integrations: { Salesforce: true } },
    expected: 'rejected',
  },
];

function demoMessage(spec: DemoEventSpec, contactId: string): Record<string, unknown> {
  if (spec.message) return spec.message;
  const extra: Record<string, unknown> = {};
  if (spec.contactExternalId) extra.context = { externalId: [{ type: 'Salesforce-Contact', id: contactId }] };
  if (spec.integrations) extra.integrations = spec.integrations;
  return identify(spec.userId, spec.traits ?? {}, extra);
}

function demoEvents(contactId: string): DemoEvent[] {
  return DEMO_EVENTS.map((spec) => ({
    label: spec.label,
    userId: spec.userId,
    message: demoMessage(spec, contactId),
    expected: spec.expected,
  }));
}

export interface DemoRow {
  event: number;
  label: string;
  statusCode: number;
  outcome: string;
  expected: Expected;
  ok: boolean;
}

export interface DemoResult {
  ok: boolean;
  simulatorUrl: string;
  rows: DemoRow[];
  /** Metered Salesforce API calls the run spent (token calls are not metered). */
  apiCalls: number;
  byEndpoint: Record<string, number>;
  /** What the reference implementation spends: one lookup and one write per delivered identify. */
  referenceCalls: number;
  /** Identify events delivered (the reference maps no other event type). */
  delivered: number;
  checks: { name: string; ok: boolean }[];
}

function outcomeText(report: JobReport): string {
  if (report.phase === 'delivered') return report.detail;
  return report.detail.replace(/ at transform:/, ':');
}

function matches(expected: Expected, report: JobReport): boolean {
  switch (expected) {
    case 'created':
    case 'updated':
      return report.phase === 'delivered' && report.detail.startsWith(expected);
    case 'filtered':
      return report.statusCode === 298;
    case 'rejected':
      return report.phase === 'not delivered' && report.statusCode >= 400 && report.statusCode < 500;
  }
}

interface SeededSimulator {
  sim: Simulator;
  leadId: string;
  contactId: string;
}

/** The simulator with an existing Lead and Contact, its counters at zero. */
async function startSeededSimulator(): Promise<SeededSimulator> {
  const sim = await startSimulator({ port: 0, customFields: { Lead: { newProp__c: 'string' } } });
  try {
    const leadId = sim.state.seed('Lead', EXISTING_LEAD);
    const contactId = sim.state.seed('Contact', EXISTING_CONTACT);
    sim.state.resetCounters();
    return { sim, leadId, contactId };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

function demoDestination(url: string): Destination {
  return {
    // A fresh id per run: per-destination caches never carry over from another simulator.
    ID: `demo-${randomUUID().slice(0, 8)}`,
    Name: 'Salesforce (demo)',
    Enabled: true,
    WorkspaceID: 'demo-workspace',
    Config: demoDestinationConfig(url, {
      writeMode: 'collections',
      eventMappings: [...PRESETS['group-account'], ...PRESETS['track-task']],
    }),
    DestinationDefinition: { Name: 'SALESFORCE', DisplayName: 'Salesforce' },
  };
}

/** The events through the router transform in one batch, every element delivered through proxy v1: job → report. */
async function transformAndDeliver(
  events: DemoEvent[],
  destination: Destination,
): Promise<Map<unknown, JobReport>> {
  const inputs = events.map((e, i) => ({
    message: e.message as RudderMessage,
    destination,
    metadata: {
      jobId: i + 1,
      userId: e.userId,
      destinationId: destination.ID,
      workspaceId: 'demo-workspace',
    } as Metadata,
  }));
  const handlers = salesforceHandlers();
  const elements: RouterReplyElement[] = await runRouter(inputs, 'salesforce', handlers, {
    namespace: 'Unknown',
    cluster: 'Unknown',
    features: {},
  });
  const reports = new Map<unknown, JobReport>();
  for (const element of elements) {
    for (const report of await deliverElement(element as RouterElement, 'v1', 'salesforce', handlers)) {
      reports.set(report.jobId, report);
    }
  }
  return reports;
}

function demoRows(events: DemoEvent[], reports: Map<unknown, JobReport>): DemoRow[] {
  const rows: DemoRow[] = events.map((e, i) => {
    const report = reports.get(i + 1);
    const outcome = report ? outcomeText(report) : 'missing from the router output';
    return {
      event: i + 1,
      label: e.label,
      statusCode: report?.statusCode ?? 0,
      outcome,
      expected: e.expected,
      ok: report ? matches(e.expected, report) : false,
    };
  });
  // Two events for one new email travel as one create: say so.
  const michael = rows.filter((r) => r.label.startsWith('identify michael@'));
  if (michael.length === 2 && michael[0].outcome === michael[1].outcome && michael[0].ok) {
    michael[1].outcome = `${michael[1].outcome} (merged with event ${michael[0].event}: one create)`;
  }
  return rows;
}

/** What the simulator must hold after the run. */
function demoChecks({ sim, leadId, contactId }: SeededSimulator): DemoResult['checks'] {
  const leads = sim.state.records('Lead').filter((l) => !l.IsDeleted);
  const lead = (email: string) => leads.filter((l) => String(l.Email).toLowerCase() === email);
  const contact = sim.state.get('Contact', contactId);
  const existing = sim.state.get('Lead', leadId);
  return [
    { name: 'the simulator holds 4 Leads (1 seeded + 3 created)', ok: leads.length === 4 },
    {
      name: 'michael@initech.com: one Lead carrying both events (LastName and Phone)',
      ok:
        lead('michael@initech.com').length === 1 &&
        lead('michael@initech.com')[0].LastName === 'Bolton' &&
        Boolean(lead('michael@initech.com')[0].Phone),
    },
    {
      name: 'samir@initech.com: custom field newProp__c written',
      ok: lead('samir@initech.com')[0]?.newProp__c === 'TPS reports',
    },
    { name: `the existing Lead ${leadId} has the new Title`, ok: existing?.Title === 'Division VP' },
    { name: `the Contact ${contactId} has the new Title`, ok: contact?.Title === 'Server' },
    { name: 'tom@initech.com (filtered) was not written', ok: lead('tom@initech.com').length === 0 },
    ...mappedChecks(sim, lead('peter@initech.com')[0]?.Id),
  ];
}

/** The group and track events' records: the Account, and the Task on Peter's Lead created in the same batch. */
function mappedChecks(sim: Simulator, peterLeadId: unknown): DemoResult['checks'] {
  const live = (object: string) => sim.state.records(object).filter((r) => !r.IsDeleted);
  const accounts = live('Account').filter((a) => a.AccountNumber === 'ACC-1001');
  const tasks = live('Task').filter((t) => t.Subject === 'Demo Booked');
  return [
    {
      name: 'group: one Account ACC-1001 "Initech" (Type Prospect on create)',
      ok: accounts.length === 1 && accounts[0].Name === 'Initech' && accounts[0].Type === 'Prospect',
    },
    {
      name: 'track: one Task "Demo Booked" on Peter\'s new Lead (WhoId linked within the same request)',
      ok: tasks.length === 1 && peterLeadId !== undefined && tasks[0].WhoId === peterLeadId,
    },
  ];
}

async function runDemo(): Promise<DemoResult> {
  const seeded = await startSeededSimulator();
  const { sim } = seeded;
  try {
    const events = demoEvents(seeded.contactId);
    const rows = demoRows(events, await transformAndDeliver(events, demoDestination(sim.url)));
    const checks = demoChecks(seeded);
    const counters = sim.state.counters();
    const delivered = rows.filter((r) => r.statusCode === 200 && r.label.startsWith('identify')).length;
    return {
      ok: rows.every((r) => r.ok) && checks.every((c) => c.ok),
      simulatorUrl: sim.url,
      rows,
      apiCalls: counters.total,
      byEndpoint: counters.byEndpoint,
      referenceCalls: 2 * delivered,
      delivered,
      checks,
    };
  } finally {
    await sim.close();
  }
}

function renderDemo(result: DemoResult): string {
  const out: string[] = [];
  out.push(
    `Salesforce destination demo on the embedded Salesforce simulator (${result.simulatorUrl}): no account, no configuration.`,
    `Seeded: Lead ${EXISTING_LEAD.Email}, Contact ${EXISTING_CONTACT.Email}. ${result.rows.length} events in one router batch, delivered through the proxy v1 handler (sObject collections).`,
    '',
  );
  out.push(
    table(
      ['#', 'event', 'status', 'what happened', ''],
      result.rows.map((r) => [
        String(r.event),
        r.label,
        String(r.statusCode),
        truncate(r.outcome, 100),
        r.ok ? '' : `UNEXPECTED (expected ${r.expected})`,
      ]),
    ),
  );
  const metered = Object.entries(result.byEndpoint)
    .filter(([kind]) => kind !== 'token')
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const logins = result.byEndpoint.token ?? 0;
  out.push(
    `Salesforce API calls spent: ${result.apiCalls}${metered ? ` (${metered})` : ''}, plus ${logins} sign-in${logins === 1 ? '' : 's'} (not metered).`,
    `The reference implementation would spend about ${result.referenceCalls}: one lookup and one write for each of the ${result.delivered} delivered identify events (it cannot map group or track events at all).`,
    '',
    'Checked in the simulator:',
    ...result.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}`),
    '',
    result.ok ? 'Demo OK.' : 'Demo FAILED: see the lines marked UNEXPECTED or FAIL above.',
    '',
  );
  return out.join('\n');
}

export async function demo(options: { json?: boolean }, io: Io): Promise<number> {
  const result = await runDemo();
  io.out(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderDemo(result));
  return result.ok ? 0 : 1;
}
