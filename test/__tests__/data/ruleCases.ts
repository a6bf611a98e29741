/**
 * Named cases of `eventMappings`, run end to end against the simulator in both write modes: every operation, each
 * preset of data/presets, several rules for one event, references (found, created in the same batch, missing),
 * ifMultiple, match operators and record events with each action. Each case says what must hold, explicitly; the
 * test also snapshots the requests each case becomes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimOptions, SimRecord, Simulator } from '../../../tools/salesforce-sim';
import type { JobStatuses } from '../../../bench/deliver';

export const RULES_SIM_OPTIONS: SimOptions = {
  port: 0,
  customFields: { Account: { External_Id__c: 'string' }, Opportunity: { Order_Id__c: 'string' } },
  externalIdFields: { Account: ['External_Id__c'], Opportunity: ['Order_Id__c'] },
};

/** A preset's rules, as shipped in data/presets. */
export function preset(name: string): unknown[] {
  const file = join(__dirname, '../../../src/v0/destinations/salesforce/data/presets', `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as unknown[];
}

export type Mode = 'record' | 'collections';
type Message = Record<string, unknown>;

export interface RuleOutcome {
  sim: Simulator;
  mode: Mode;
  ids: Record<string, string>;
  statuses: JobStatuses;
  /** Live (not deleted) records of an object. */
  live(object: string): SimRecord[];
}

export interface RuleCase {
  id: string;
  scenario: string;
  successCriteria: string;
  rules: unknown[];
  config?: Record<string, unknown>;
  /** Records the org holds before the events; returns their ids by name. */
  seed?: (sim: Simulator) => Record<string, string>;
  /** The events, in order (job ids 1, 2...); `ids` are the seeded records'. */
  events: (ids: Record<string, string>) => Message[];
  /** Status per job id, per mode when they differ. */
  statuses: Record<number, number> | Record<Mode, Record<number, number>>;
  /** Substrings each job's delivery status text must hold. */
  errors?: Record<number, string>;
  check?: (outcome: RuleOutcome) => void;
}

const track = (event: string, properties: Message = {}, email?: string): Message => ({
  type: 'track',
  event,
  properties,
  ...(email ? { context: { traits: { email } } } : {}),
  timestamp: '2026-03-15T10:00:00.000Z',
});

const group = (groupId: string, traits: Message): Message => ({ type: 'group', groupId, traits });

const contactRecords = (o: RuleOutcome) =>
  o
    .live('Contact')
    .map((c) => c.Email)
    .sort();

export const ruleCases: RuleCase[] = [
  {
    id: 'preset-group-account',
    scenario: 'group events for a new company and a known one (preset group-account)',
    successCriteria: 'One Account created with Type Prospect, the known one updated without its Type touched',
    rules: preset('group-account'),
    seed: (sim) => ({
      known: sim.state.seed('Account', {
        Name: 'Old Name',
        AccountNumber: 'ACC-1',
        Type: 'Customer - Direct',
      }),
    }),
    events: () => [group('ACC-1', { name: 'Initech', employees: '120' }), group('ACC-2', { name: 'Globex' })],
    statuses: { 1: 200, 2: 200 },
    check: (o) => {
      expect(o.sim.state.get('Account', o.ids.known)).toMatchObject({
        Name: 'Initech',
        NumberOfEmployees: 120,
        Type: 'Customer - Direct',
      });
      expect(o.live('Account').find((a) => a.AccountNumber === 'ACC-2')).toMatchObject({
        Name: 'Globex',
        Type: 'Prospect',
      });
    },
  },
  {
    id: 'preset-group-account-external-id',
    scenario: 'group events upserted by an External ID field (preset group-account-external-id)',
    successCriteria: 'A native upsert: no lookup at all, one record per company',
    rules: preset('group-account-external-id'),
    events: () => [group('EXT-1', { name: 'Hooli' }), group('EXT-1', { name: 'Hooli XYZ' })],
    statuses: { 1: 200, 2: 200 },
    check: (o) => {
      expect(o.live('Account').map((a) => [a.External_Id__c, a.Name])).toEqual([['EXT-1', 'Hooli XYZ']]);
      expect(o.sim.state.counters().byEndpoint.query).toBeUndefined();
    },
  },
  {
    id: 'preset-order-completed-opportunity',
    scenario: 'track Order Completed for a known company (preset order-completed-opportunity)',
    successCriteria:
      "An Opportunity keyed by the order id, Closed Won on the event date, on the company's Account",
    rules: preset('order-completed-opportunity'),
    seed: (sim) => ({ account: sim.state.seed('Account', { Name: 'Initech', AccountNumber: 'ACC-1' }) }),
    events: () => [
      { ...track('Order Completed', { order_id: 'O-77', revenue: '250.5' }), context: { groupId: 'ACC-1' } },
    ],
    statuses: { 1: 200 },
    check: (o) => {
      expect(o.live('Opportunity')).toEqual([
        expect.objectContaining({
          Order_Id__c: 'O-77',
          Name: 'O-77',
          Amount: 250.5,
          StageName: 'Closed Won',
          CloseDate: '2026-03-15',
          AccountId: o.ids.account,
        }),
      ]);
    },
  },
  {
    id: 'preset-track-task-references',
    scenario:
      'track events for a known Contact, a known Lead, a person created in the same batch, and a stranger (preset track-task)',
    successCriteria:
      "Tasks on the Contact and the Lead; the new person's Task follows the create in one Composite request (collections) or waits for the next attempt (record); the stranger's event is a 400 naming the rule",
    rules: [...preset('track-task'), ...preset('identify-contact')],
    seed: (sim) => ({
      contact: sim.state.seed('Contact', { Email: 'carl@x.com', LastName: 'Carl' }),
      lead: sim.state.seed('Lead', { Email: 'lena@x.com', LastName: 'Lena', Company: 'L' }),
    }),
    events: () => [
      track('Viewed Pricing', {}, 'carl@x.com'),
      track('Viewed Docs', {}, 'lena@x.com'),
      { type: 'identify', traits: { email: 'nina@x.com', lastName: 'Nina' } },
      track('Signed Up', {}, 'nina@x.com'),
      track('Lurked', {}, 'stranger@x.com'),
    ],
    statuses: {
      record: { 1: 200, 2: 200, 3: 200, 4: 500, 5: 400 },
      collections: { 1: 200, 2: 200, 3: 200, 4: 200, 5: 400 },
    },
    errors: {
      5: "eventMappings[0] (\"activity\"): reference WhoId found no Contact with Email 'stranger@x.com', or Lead with Email 'stranger@x.com'; nothing was written",
    },
    check: (o) => {
      const whoOf = (subject: string) => o.live('Task').find((t) => t.Subject === subject)?.WhoId;
      expect(whoOf('Viewed Pricing')).toBe(o.ids.contact);
      expect(whoOf('Viewed Docs')).toBe(o.ids.lead);
      const nina = o.live('Contact').find((c) => c.Email === 'nina@x.com');
      expect(whoOf('Signed Up')).toBe(o.mode === 'collections' ? nina?.Id : undefined);
      expect(o.live('Task').find((t) => t.Subject === 'Viewed Pricing')).toMatchObject({
        Status: 'Completed',
        ActivityDate: '2026-03-15',
      });
    },
  },
  {
    id: 'preset-identify-contact',
    scenario: 'identify events mapped to Contacts (preset identify-contact) instead of the built-in Lead',
    successCriteria: 'The known Contact is updated, a new one created, and no Lead is written',
    rules: preset('identify-contact'),
    seed: (sim) => ({ known: sim.state.seed('Contact', { Email: 'kim@x.com', LastName: 'Kim' }) }),
    events: () => [
      { type: 'identify', traits: { email: 'KIM@x.com', title: 'CTO' } },
      { type: 'identify', traits: { email: 'new@x.com', firstName: 'Ned' } },
    ],
    statuses: { 1: 200, 2: 200 },
    check: (o) => {
      expect(o.sim.state.get('Contact', o.ids.known)).toMatchObject({ Title: 'CTO', LastName: 'Kim' });
      // An email is written as the event gives it (trimmed); Salesforce matched it case-insensitively.
      expect(contactRecords(o)).toEqual(['KIM@x.com', 'new@x.com']);
      expect(o.live('Contact').find((c) => c.Email === 'new@x.com')).toMatchObject({
        FirstName: 'Ned',
        LastName: 'n/a',
      });
      expect(o.live('Lead')).toEqual([]);
    },
  },
  {
    id: 'preset-case-opened',
    scenario: 'track Case Opened from a known Contact and from a stranger (preset case-opened)',
    successCriteria:
      "Two Cases; the known person's carries the ContactId, the stranger's none (the reference is optional)",
    rules: preset('case-opened'),
    seed: (sim) => ({ contact: sim.state.seed('Contact', { Email: 'carl@x.com', LastName: 'Carl' }) }),
    events: () => [
      track('Case Opened', { subject: 'Cannot log in', priority: 'High' }, 'carl@x.com'),
      track('Case Opened', { subject: 'Billing' }, 'who@x.com'),
    ],
    statuses: { 1: 200, 2: 200 },
    check: (o) => {
      const cases = o.live('Case');
      expect(cases.find((c) => c.Subject === 'Cannot log in')).toMatchObject({
        ContactId: o.ids.contact,
        Priority: 'High',
        Origin: 'Web',
      });
      expect(cases.find((c) => c.Subject === 'Billing')).toMatchObject({
        ContactId: null,
        SuppliedEmail: 'who@x.com',
      });
    },
  },
  {
    id: 'preset-added-to-campaign',
    scenario: 'track Added To Campaign for a known Lead (preset added-to-campaign)',
    successCriteria: 'A CampaignMember linking the campaign and the Lead',
    rules: preset('added-to-campaign'),
    seed: (sim) => ({
      campaign: sim.state.seed('Campaign', { Name: 'Spring' }),
      lead: sim.state.seed('Lead', { Email: 'lena@x.com', LastName: 'Lena', Company: 'L' }),
    }),
    events: (ids) => [track('Added To Campaign', { campaign_id: ids.campaign }, 'lena@x.com')],
    statuses: { 1: 200 },
    check: (o) => {
      expect(o.live('CampaignMember')).toEqual([
        expect.objectContaining({ CampaignId: o.ids.campaign, LeadId: o.ids.lead }),
      ]);
    },
  },
  {
    id: 'several-rules-one-event',
    scenario: 'Order Completed matches the orders rule and the activity rule',
    successCriteria: 'One event writes an Opportunity and a Task; its status covers both',
    rules: [...preset('order-completed-opportunity'), ...preset('track-task')],
    seed: (sim) => ({ contact: sim.state.seed('Contact', { Email: 'carl@x.com', LastName: 'Carl' }) }),
    events: () => [track('Order Completed', { order_id: 'O-1', total: 10 }, 'carl@x.com')],
    statuses: { 1: 200 },
    check: (o) => {
      expect(o.live('Opportunity').map((r) => r.Order_Id__c)).toEqual(['O-1']);
      expect(o.live('Task').map((t) => [t.Subject, t.WhoId])).toEqual([['Order Completed', o.ids.contact]]);
    },
  },
  {
    id: 'update-and-delete',
    scenario:
      'update a Contact by email (found, not found); delete an Account by number (found, already gone)',
    successCriteria:
      'The update writes only the existing record, a missing one is a 400 naming the values; the delete removes the Account, a missing one is handled (299)',
    rules: [
      {
        name: 'titles',
        when: { type: 'track', event: 'Title Changed' },
        object: 'Contact',
        operation: 'update',
        match: { fields: [{ field: 'Email', sourceKeys: 'properties.email' }] },
        fields: [{ destKey: 'Title', sourceKeys: 'properties.title' }],
      },
      {
        name: 'closed companies',
        when: { type: 'track', event: 'Company Closed' },
        object: 'Account',
        operation: 'delete',
        match: { fields: [{ field: 'AccountNumber', sourceKeys: 'properties.account' }] },
      },
    ],
    seed: (sim) => ({
      contact: sim.state.seed('Contact', { Email: 'carl@x.com', LastName: 'Carl' }),
      account: sim.state.seed('Account', { Name: 'Gone Inc', AccountNumber: 'ACC-9' }),
    }),
    events: () => [
      track('Title Changed', { email: 'carl@x.com', title: 'VP' }),
      track('Title Changed', { email: 'nobody@x.com', title: 'VP' }),
      track('Company Closed', { account: 'ACC-9' }),
      track('Company Closed', { account: 'ACC-404' }),
    ],
    statuses: { 1: 200, 2: 400, 3: 200, 4: 299 },
    errors: {
      2: 'eventMappings[0] ("titles"): no Contact matches Email \'nobody@x.com\'; nothing was written',
      4: 'Nothing to write: the records to delete are already gone',
    },
    check: (o) => {
      expect(o.sim.state.get('Contact', o.ids.contact)?.Title).toBe('VP');
      expect(o.live('Account')).toEqual([]);
      expect(contactRecords(o)).toEqual(['carl@x.com']);
    },
  },
  ...(['error', 'first', 'all'] as const).map((ifMultiple): RuleCase => ({
    id: `if-multiple-${ifMultiple}`,
    scenario: `Two Accounts share the AccountNumber; ifMultiple ${ifMultiple}`,
    successCriteria:
      ifMultiple === 'error'
        ? 'A 400 naming the values, nothing written'
        : ifMultiple === 'first'
          ? 'The first Account (by id) is updated, the other left alone'
          : 'Both Accounts are updated',
    rules: [{ ...(preset('group-account')[0] as Record<string, unknown>), ifMultiple }],
    seed: (sim) => ({
      a: sim.state.seed('Account', { Name: 'A', AccountNumber: 'DUP' }),
      b: sim.state.seed('Account', { Name: 'B', AccountNumber: 'DUP' }),
    }),
    events: () => [group('DUP', { name: 'Merged' })],
    statuses: { 1: ifMultiple === 'error' ? 400 : 200 },
    errors:
      ifMultiple === 'error'
        ? { 1: "Multiple Account records found with AccountNumber 'DUP'; set ifMultiple to first or all" }
        : undefined,
    check: (o) => {
      // `first` is the first by id, whatever order Salesforce answers in.
      const [first, second] = [o.ids.a, o.ids.b].sort();
      const names = [o.sim.state.get('Account', first)?.Name, o.sim.state.get('Account', second)?.Name];
      if (ifMultiple === 'error') expect(names.slice().sort()).toEqual(['A', 'B']);
      else
        expect(names).toEqual(
          ifMultiple === 'first' ? ['Merged', first === o.ids.a ? 'B' : 'A'] : ['Merged', 'Merged'],
        );
    },
  })),
  {
    id: 'match-or',
    scenario: 'A Contact found by email or phone',
    successCriteria: 'The event with a new email but a known phone updates the existing Contact',
    rules: [
      {
        name: 'by email or phone',
        when: { type: 'identify' },
        object: 'Contact',
        operation: 'upsert',
        match: {
          fields: [
            { field: 'Email', sourceKeys: 'traits.email' },
            { field: 'Phone', sourceKeys: 'traits.phone' },
          ],
          operator: 'or',
        },
        fields: [
          { destKey: 'Title', sourceKeys: 'traits.title' },
          { destKey: 'LastName', sourceKeys: 'traits.lastName', metadata: { defaultOnCreate: 'n/a' } },
        ],
      },
    ],
    seed: (sim) => ({
      known: sim.state.seed('Contact', { Email: 'old@x.com', Phone: '555-0100', LastName: 'Known' }),
    }),
    events: () => [{ type: 'identify', traits: { email: 'new@x.com', phone: '555-0100', title: 'Boss' } }],
    statuses: { 1: 200 },
    check: (o) => {
      expect(o.sim.state.get('Contact', o.ids.known)?.Title).toBe('Boss');
      expect(o.live('Contact')).toHaveLength(1);
    },
  },
  {
    id: 'record-events',
    scenario: 'Reverse ETL record events: insert, update and delete of Contacts, found by their identifiers',
    successCriteria: 'Each action does what it says; fields are written as they are',
    rules: [{ name: 'warehouse contacts', when: { type: 'record' }, object: 'Contact' }],
    seed: (sim) => ({
      updated: sim.state.seed('Contact', { Email: 'upd@x.com', LastName: 'Before' }),
      deleted: sim.state.seed('Contact', { Email: 'del@x.com', LastName: 'Gone' }),
    }),
    events: () => [
      { type: 'record', action: 'insert', fields: { Email: 'ins@x.com', LastName: 'Inserted' } },
      {
        type: 'record',
        action: 'update',
        identifiers: { Email: 'upd@x.com' },
        fields: { LastName: 'After' },
      },
      { type: 'record', action: 'delete', identifiers: { Email: 'del@x.com' } },
      { type: 'record', action: 'merge', fields: {} },
    ],
    statuses: { 1: 200, 2: 200, 3: 200, 4: 400 },
    errors: {
      4: 'eventMappings[0] ("warehouse contacts"): a record event\'s action must be insert, update or delete (got "merge"), or the rule must set operation',
    },
    check: (o) => {
      expect(o.sim.state.get('Contact', o.ids.updated)?.LastName).toBe('After');
      expect(contactRecords(o)).toEqual(['ins@x.com', 'upd@x.com']);
    },
  },
];
