import type { SimOptions } from '../../../tools/salesforce-sim';
import { API, type ErrorItem, type ItemResult, type Session, useSession } from './helpers';

type CreateBody = { id: string; success: boolean; errors: unknown[]; created?: boolean };
type DescribeField = {
  name: string;
  type: string;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  defaultedOnCreate: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  polymorphicForeignKey: boolean;
  picklistValues: { value: string; defaultValue: boolean }[];
};
type Describe = { name: string; keyPrefix: string; labelPlural: string; fields: DescribeField[] };

/** External-id fields on two of the new objects, for the by-key paths. */
const OPTIONS: SimOptions = {
  customFields: { Opportunity: { Ext_Id__c: 'string' }, Case: { Ticket__c: 'string' } },
  externalIdFields: { Opportunity: ['Ext_Id__c'], Case: ['Ticket__c'] },
};

describe('salesforce-sim activity, opportunity, case and campaign objects', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  }, OPTIONS);

  const create = (object: string, fields: Record<string, unknown>): ReturnType<typeof s.api<CreateBody>> =>
    s.api<CreateBody>('POST', `/sobjects/${object}`, fields);
  const createId = async (object: string, fields: Record<string, unknown>): Promise<string> => {
    const r = await create(object, fields);
    expect(r.status).toBe(201);
    return r.body.id;
  };
  const refusal = async (object: string, fields: Record<string, unknown>): Promise<ErrorItem> => {
    const r = await s.api<ErrorItem[]>('POST', `/sobjects/${object}`, fields);
    expect(r.status).toBe(400);
    expect(r.body).toHaveLength(1);
    return r.body[0];
  };
  const describeFields = async (object: string): Promise<Map<string, DescribeField>> => {
    const r = await s.api<Describe>('GET', `/sobjects/${object}/describe`);
    expect(r.status).toBe(200);
    return new Map(r.body.fields.map((f) => [f.name, f]));
  };
  const seedLead = (): string => s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });

  it('describe global lists every standard object with its key prefix and plural label', async () => {
    const r = await s.api<{ sobjects: { name: string; keyPrefix: string; labelPlural: string }[] }>(
      'GET',
      '/sobjects',
    );
    expect(r.body.sobjects.map((o) => [o.name, o.keyPrefix, o.labelPlural])).toEqual([
      ['Lead', '00Q', 'Leads'],
      ['Contact', '003', 'Contacts'],
      ['Account', '001', 'Accounts'],
      ['Opportunity', '006', 'Opportunities'],
      ['Case', '500', 'Cases'],
      ['Task', '00T', 'Tasks'],
      ['Event', '00U', 'Events'],
      ['Campaign', '701', 'Campaigns'],
      ['CampaignMember', '00v', 'Campaign Members'],
    ]);
  });

  it('Opportunity: Name, StageName and CloseDate are required; describe shows types and stages', async () => {
    expect(await refusal('Opportunity', { Amount: 10 })).toEqual({
      errorCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Name, StageName, CloseDate]',
      fields: ['Name', 'StageName', 'CloseDate'],
    });
    const account = s.sim.state.seed('Account', { Name: 'Acme' });
    const id = await createId('Opportunity', {
      Name: 'Deal',
      StageName: 'Prospecting',
      CloseDate: '2026-06-30',
      Amount: 1200.5,
      AccountId: account.slice(0, 15),
      Probability: 10,
    });
    expect(id).toMatch(/^006\w{15}$/);
    expect(s.sim.state.get('Opportunity', id)).toMatchObject({ AccountId: account, Amount: 1200.5 });
    expect(
      (await refusal('Opportunity', { Name: 'x', StageName: 'Prospecting', CloseDate: 'soon' })).errorCode,
    ).toBe('JSON_PARSER_ERROR');
    const fields = await describeFields('Opportunity');
    expect(fields.get('StageName')).toMatchObject({ type: 'picklist', nillable: false, createable: true });
    expect(fields.get('StageName')?.picklistValues.map((p) => p.value)).toEqual(
      expect.arrayContaining(['Prospecting', 'Qualification', 'Closed Won', 'Closed Lost']),
    );
    expect(fields.get('CloseDate')).toMatchObject({ type: 'date', nillable: false });
    expect(fields.get('Amount')?.type).toBe('currency');
    expect(fields.get('Probability')?.type).toBe('percent');
    expect(fields.get('AccountId')).toMatchObject({ type: 'reference', referenceTo: ['Account'] });
    expect([...fields.keys()]).toEqual(
      expect.arrayContaining([
        'Id',
        'IsDeleted',
        'OwnerId',
        'CreatedDate',
        'LastModifiedDate',
        'LeadSource',
        'Type',
      ]),
    );
  });

  it('Case: nothing is required; Status and Priority default, references and emails are checked', async () => {
    const id = await createId('Case', {});
    expect(id).toMatch(/^500/);
    expect(s.sim.state.get('Case', id)).toMatchObject({ Status: 'New', Priority: 'Medium', Origin: null });
    const contact = s.sim.state.seed('Contact', { LastName: 'C' });
    const full = await createId('Case', {
      Origin: 'Web',
      Subject: 'Broken',
      ContactId: contact,
      SuppliedEmail: 'who@x.com',
      SuppliedName: 'Who',
      Reason: 'Performance',
      Type: 'Problem',
    });
    expect(s.sim.state.get('Case', full)).toMatchObject({ Origin: 'Web', ContactId: contact, Status: 'New' });
    expect((await refusal('Case', { SuppliedEmail: 'nope' })).errorCode).toBe('INVALID_EMAIL_ADDRESS');
    const missingContact = contact.slice(0, 9) + 'zzzzzz';
    expect(await refusal('Case', { ContactId: missingContact })).toMatchObject({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
      fields: ['ContactId'],
    });
    const fields = await describeFields('Case');
    expect(fields.get('Status')).toMatchObject({ defaultedOnCreate: true, nillable: false });
    expect(fields.get('Status')?.picklistValues.find((p) => p.defaultValue)?.value).toBe('New');
    expect(fields.get('Origin')?.picklistValues.map((p) => p.value)).toEqual(['Phone', 'Email', 'Web']);
    expect(fields.get('Priority')?.picklistValues.find((p) => p.defaultValue)?.value).toBe('Medium');
  });

  it('Task: defaults, and WhoId/WhatId accept an id of any of their target objects', async () => {
    const lead = seedLead();
    const contact = s.sim.state.seed('Contact', { LastName: 'C' });
    const whats = [
      s.sim.state.seed('Account', { Name: 'A' }),
      s.sim.state.seed('Opportunity', { Name: 'O', StageName: 'Prospecting', CloseDate: '2026-01-01' }),
      s.sim.state.seed('Case', {}),
      s.sim.state.seed('Campaign', { Name: 'Spring' }),
    ];
    const onLead = await createId('Task', {
      Subject: 'Call',
      WhoId: lead,
      WhatId: whats[0],
      ActivityDate: '2026-02-01',
    });
    expect(onLead).toMatch(/^00T/);
    expect(s.sim.state.get('Task', onLead)).toMatchObject({
      Status: 'Not Started',
      Priority: 'Normal',
      WhoId: lead,
      WhatId: whats[0],
      ActivityDate: '2026-02-01',
    });
    for (const what of whats.slice(1)) {
      const id = await createId('Task', { Subject: 'x', WhoId: contact.slice(0, 15), WhatId: what });
      expect(s.sim.state.get('Task', id)).toMatchObject({ WhoId: contact, WhatId: what });
    }
  });

  it('a polymorphic reference refuses other objects, malformed ids and missing records', async () => {
    const account = s.sim.state.seed('Account', { Name: 'A' });
    expect(await refusal('Task', { WhoId: account })).toMatchObject({
      errorCode: 'MALFORMED_ID',
      fields: ['WhoId'],
    });
    expect(await refusal('Task', { WhatId: seedLead() })).toMatchObject({
      errorCode: 'MALFORMED_ID',
      fields: ['WhatId'],
    });
    expect(
      await refusal('Event', {
        WhoId: 'not-an-id',
        ActivityDateTime: '2026-01-01T10:00:00Z',
        DurationInMinutes: 5,
      }),
    ).toMatchObject({ errorCode: 'MALFORMED_ID', fields: ['WhoId'] });
    const gone = seedLead();
    expect((await s.api('DELETE', `/sobjects/Lead/${gone}`)).status).toBe(204);
    expect(await refusal('Task', { WhoId: gone })).toMatchObject({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
      fields: ['WhoId'],
    });
    const neverStored = `${account.slice(0, 3)}5g0zzzzzzzzz`;
    expect(await refusal('Task', { WhatId: neverStored })).toMatchObject({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
    });
    const fields = await describeFields('Task');
    expect(fields.get('WhoId')).toMatchObject({
      referenceTo: ['Lead', 'Contact'],
      relationshipName: 'Who',
      polymorphicForeignKey: true,
    });
    expect(fields.get('WhatId')?.referenceTo).toEqual(['Account', 'Opportunity', 'Case', 'Campaign']);
    expect(fields.get('Status')?.picklistValues.find((p) => p.defaultValue)?.value).toBe('Not Started');
    expect(fields.get('TaskSubtype')).toMatchObject({ createable: true, updateable: false });
    expect(fields.get('OwnerId')?.polymorphicForeignKey).toBe(false);
  });

  it('TaskSubtype is set on create only', async () => {
    const id = await createId('Task', { Subject: 'Mail', TaskSubtype: 'Email' });
    const r = await s.api<ErrorItem[]>('PATCH', `/sobjects/Task/${id}`, { TaskSubtype: 'Call' });
    expect(r.status).toBe(400);
    expect(r.body[0]).toMatchObject({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['TaskSubtype'],
    });
    expect((await s.api('PATCH', `/sobjects/Task/${id}`, { Status: 'Completed' })).status).toBe(204);
    expect(s.sim.state.get('Task', id)).toMatchObject({ TaskSubtype: 'Email', Status: 'Completed' });
  });

  it('Event: a start and either DurationInMinutes or EndDateTime are required on create', async () => {
    expect(await refusal('Event', { Subject: 'Meet' })).toEqual({
      errorCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [ActivityDateTime, DurationInMinutes]',
      fields: ['ActivityDateTime', 'DurationInMinutes'],
    });
    expect(await refusal('Event', { ActivityDateTime: '2026-03-01T09:00:00Z' })).toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
      fields: ['DurationInMinutes'],
    });
    expect(await refusal('Event', { DurationInMinutes: 30 })).toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
      fields: ['ActivityDateTime'],
    });
  });

  it('Event: the missing one of StartDateTime/ActivityDateTime and EndDateTime/DurationInMinutes is derived', async () => {
    const byDuration = await createId('Event', {
      Subject: 'Demo',
      ActivityDateTime: '2026-03-01T09:00:00Z',
      DurationInMinutes: 45,
      Location: 'Room 1',
    });
    expect(byDuration).toMatch(/^00U/);
    expect(s.sim.state.get('Event', byDuration)).toMatchObject({
      StartDateTime: '2026-03-01T09:00:00.000+0000',
      ActivityDateTime: '2026-03-01T09:00:00.000+0000',
      EndDateTime: '2026-03-01T09:45:00.000+0000',
      DurationInMinutes: 45,
    });
    const byEnd = await createId('Event', {
      StartDateTime: '2026-03-01T10:00:00+01:00',
      EndDateTime: '2026-03-01T11:30:00+01:00',
    });
    expect(s.sim.state.get('Event', byEnd)).toMatchObject({
      ActivityDateTime: '2026-03-01T09:00:00.000+0000',
      DurationInMinutes: 90,
    });
  });

  it('Campaign: Name is required, IsActive defaults to false', async () => {
    expect((await refusal('Campaign', { Status: 'Planned' })).fields).toEqual(['Name']);
    const id = await createId('Campaign', { Name: 'Spring', Status: 'Planned', Type: 'Email' });
    expect(id).toMatch(/^701/);
    expect(s.sim.state.get('Campaign', id)).toMatchObject({ Name: 'Spring', IsActive: false, Type: 'Email' });
    const fields = await describeFields('Campaign');
    expect(fields.get('IsActive')).toMatchObject({ type: 'boolean', defaultedOnCreate: true });
  });
});

describe('salesforce-sim CampaignMember', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  });

  const member = (fields: Record<string, unknown>): ReturnType<typeof s.api<CreateBody & ErrorItem[]>> =>
    s.api<CreateBody & ErrorItem[]>('POST', '/sobjects/CampaignMember', fields);

  it('needs a campaign and exactly one of LeadId or ContactId; Status defaults to Sent', async () => {
    const campaign = s.sim.state.seed('Campaign', { Name: 'C' });
    const lead = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const contact = s.sim.state.seed('Contact', { LastName: 'C' });
    const noCampaign = await member({ LeadId: lead });
    expect(noCampaign.status).toBe(400);
    expect(noCampaign.body[0]).toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['CampaignId'] });
    for (const fields of [
      { CampaignId: campaign },
      { CampaignId: campaign, LeadId: lead, ContactId: contact },
    ]) {
      const r = await member(fields);
      expect(r.status).toBe(400);
      expect(r.body[0]).toMatchObject({
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: ['LeadId', 'ContactId'],
      });
    }
    const ok = await member({ CampaignId: campaign, LeadId: lead });
    expect(ok.status).toBe(201);
    expect(ok.body.id).toMatch(/^00v/);
    expect(s.sim.state.get('CampaignMember', ok.body.id)).toMatchObject({
      CampaignId: campaign,
      LeadId: lead,
      ContactId: null,
      Status: 'Sent',
    });
    expect(s.sim.state.get('CampaignMember', ok.body.id)).not.toHaveProperty('OwnerId');
  });

  it('the same Lead or Contact joins a campaign once: DUPLICATE_VALUE "Already a campaign member."', async () => {
    const campaign = s.sim.state.seed('Campaign', { Name: 'C' });
    const other = s.sim.state.seed('Campaign', { Name: 'D' });
    const contact = s.sim.state.seed('Contact', { LastName: 'C' });
    const first = await member({ CampaignId: campaign, ContactId: contact });
    expect(first.status).toBe(201);
    const again = await member({ CampaignId: campaign.slice(0, 15), ContactId: contact.toLowerCase() });
    expect(again.status).toBe(400);
    expect(again.body).toEqual([
      { errorCode: 'DUPLICATE_VALUE', message: 'Already a campaign member.', fields: [] },
    ]);
    expect((await member({ CampaignId: other, ContactId: contact })).status).toBe(201);
    expect((await s.api('DELETE', `/sobjects/CampaignMember/${first.body.id}`)).status).toBe(204);
    expect((await member({ CampaignId: campaign, ContactId: contact })).status).toBe(201);
  });

  it('CampaignId, LeadId and ContactId are createable but not updateable; Status is', async () => {
    const campaign = s.sim.state.seed('Campaign', { Name: 'C' });
    const lead = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const created = await member({ CampaignId: campaign, LeadId: lead });
    const id = created.body.id;
    for (const field of ['CampaignId', 'LeadId', 'ContactId']) {
      const r = await s.api<ErrorItem[]>('PATCH', `/sobjects/CampaignMember/${id}`, { [field]: null });
      expect(r.status).toBe(400);
      expect(r.body[0]).toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: [field] });
    }
    expect((await s.api('PATCH', `/sobjects/CampaignMember/${id}`, { Status: 'Responded' })).status).toBe(
      204,
    );
    expect(s.sim.state.get('CampaignMember', id)?.Status).toBe('Responded');
  });

  it('in Collections a duplicate inside one request fails that row; allOrNone rolls everything back', async () => {
    const campaign = s.sim.state.seed('Campaign', { Name: 'C' });
    const lead = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const row = { attributes: { type: 'CampaignMember' }, CampaignId: campaign, LeadId: lead };
    const partial = await s.api<ItemResult[]>('POST', '/composite/sobjects', { records: [row, row] });
    expect(partial.body[0]).toMatchObject({ success: true });
    expect(partial.body[1]).toEqual({
      success: false,
      errors: [{ statusCode: 'DUPLICATE_VALUE', message: 'Already a campaign member.', fields: [] }],
    });
    s.sim.state.reset();
    const c2 = s.sim.state.seed('Campaign', { Name: 'C' });
    const l2 = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const row2 = { ...row, CampaignId: c2, LeadId: l2 };
    const atomic = await s.api<ItemResult[]>('POST', '/composite/sobjects', {
      allOrNone: true,
      records: [row2, row2],
    });
    expect(atomic.body.map((r) => r.errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'DUPLICATE_VALUE',
    ]);
    expect(s.sim.state.records('CampaignMember')).toEqual([]);
  });

  it('SOQL finds members by CampaignId through the index, with 15- or 18-character ids in any case', async () => {
    const campaign = s.sim.state.seed('Campaign', { Name: 'C' });
    const other = s.sim.state.seed('Campaign', { Name: 'D' });
    const leads = [0, 1, 2].map((i) => s.sim.state.seed('Lead', { LastName: `L${i}`, Company: 'C' }));
    for (const lead of leads) expect((await member({ CampaignId: campaign, LeadId: lead })).status).toBe(201);
    expect((await member({ CampaignId: other, LeadId: leads[0] })).status).toBe(201);
    for (const literal of [campaign, campaign.slice(0, 15), campaign.toLowerCase()]) {
      const q = await s.query<{ LeadId: string }>(
        `SELECT LeadId FROM CampaignMember WHERE CampaignId = '${literal}'`,
      );
      expect(q.body.records.map((r) => r.LeadId)).toEqual(leads);
    }
    const both = await s.query(
      `SELECT Id FROM CampaignMember WHERE CampaignId IN ('${campaign.slice(0, 15)}', '${other}') AND LeadId = '${leads[0]}'`,
    );
    expect(both.body.totalSize).toBe(2);
  });
});

describe('salesforce-sim new objects through every write path', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  }, OPTIONS);

  it('single-record upsert, GET and DELETE by external id on Opportunity and Case', async () => {
    const opp = { Name: 'Deal', StageName: 'Qualification', CloseDate: '2026-09-30' };
    const created = await s.api<CreateBody>('PATCH', '/sobjects/Opportunity/Ext_Id__c/OPP-1', opp);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, created: true });
    const updated = await s.api<CreateBody>('PATCH', '/sobjects/Opportunity/Ext_Id__c/OPP-1', {
      StageName: 'Closed Won',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ id: created.body.id, success: true, errors: [], created: false });
    expect(s.sim.state.get('Opportunity', created.body.id)).toMatchObject({
      StageName: 'Closed Won',
      Ext_Id__c: 'OPP-1',
    });
    const incomplete = await s.api<ErrorItem[]>('PATCH', '/sobjects/Opportunity/Ext_Id__c/OPP-2', {
      Name: 'x',
    });
    expect(incomplete.body[0]).toMatchObject({
      errorCode: 'REQUIRED_FIELD_MISSING',
      fields: ['StageName', 'CloseDate'],
    });
    const c = await s.api<CreateBody>('PATCH', '/sobjects/Case/Ticket__c/T-9', { Subject: 'Help' });
    expect(c.status).toBe(201);
    const read = await s.api<Record<string, unknown>>(
      'GET',
      '/sobjects/Case/Ticket__c/T-9?fields=Status,Subject',
    );
    expect(read.body).toMatchObject({ Status: 'New', Subject: 'Help' });
    expect((await s.api('DELETE', '/sobjects/Case/Ticket__c/T-9')).status).toBe(204);
    expect(s.sim.state.get('Case', c.body.id)?.IsDeleted).toBe(true);
  });

  it('Collections create (mixed types), update, upsert and delete', async () => {
    const lead = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const created = await s.api<ItemResult[]>('POST', '/composite/sobjects', {
      records: [
        { attributes: { type: 'Campaign' }, Name: 'Spring' },
        { attributes: { type: 'Task' }, Subject: 'Call', WhoId: lead },
        { attributes: { type: 'Event' }, ActivityDateTime: '2026-01-01T08:00:00Z', DurationInMinutes: 15 },
        { attributes: { type: 'Case' }, Subject: 'S' },
        { attributes: { type: 'Opportunity' }, Name: 'O', StageName: 'Prospecting', CloseDate: '2026-01-01' },
        { attributes: { type: 'Event' }, Subject: 'no times' },
      ],
    });
    expect(created.status).toBe(200);
    expect(created.body.map((r) => r.id?.slice(0, 3) ?? r.errors[0].statusCode)).toEqual([
      '701',
      '00T',
      '00U',
      '500',
      '006',
      'REQUIRED_FIELD_MISSING',
    ]);
    const [campaign, task, event, kase, opp] = created.body.map((r) => r.id ?? '');
    const updated = await s.api<ItemResult[]>('PATCH', '/composite/sobjects', {
      records: [
        { attributes: { type: 'Task' }, id: task, Status: 'Completed', WhatId: campaign },
        { attributes: { type: 'Case' }, id: kase, Status: 'Closed' },
        { attributes: { type: 'Opportunity' }, id: opp, Amount: 99 },
      ],
    });
    expect(updated.body.every((r) => r.success)).toBe(true);
    expect(s.sim.state.get('Task', task)).toMatchObject({
      Status: 'Completed',
      WhatId: campaign,
      WhoId: lead,
    });
    const upserted = await s.api<ItemResult[]>('PATCH', '/composite/sobjects/Case/Ticket__c', {
      records: [
        { attributes: { type: 'Case' }, Ticket__c: 'A', Origin: 'Email' },
        { attributes: { type: 'Case' }, Ticket__c: 'B', Origin: 'Phone' },
      ],
    });
    expect(upserted.body.map((r) => r.created)).toEqual([true, true]);
    const deleted = await s.api<ItemResult[]>(
      'DELETE',
      `/composite/sobjects?ids=${[task, event, kase, opp, campaign].join(',')}`,
    );
    expect(deleted.body.every((r) => r.success)).toBe(true);
    expect(s.sim.state.get('Event', event)?.IsDeleted).toBe(true);
  });

  it('Composite: a Task created in the same request can name the new Lead through @{ref.id}', async () => {
    const r = await s.api<{ compositeResponse: { body: unknown; httpStatusCode: number }[] }>(
      'POST',
      '/composite',
      {
        allOrNone: true,
        compositeRequest: [
          {
            method: 'POST',
            url: `${API}/sobjects/Lead`,
            referenceId: 'newLead',
            body: { LastName: 'Ref', Company: 'Co' },
          },
          {
            method: 'POST',
            url: `${API}/sobjects/Task`,
            referenceId: 'followUp',
            body: { Subject: 'Follow up', WhoId: '@{newLead.id}', TaskSubtype: 'Task' },
          },
        ],
      },
    );
    expect(r.body.compositeResponse.map((x) => x.httpStatusCode)).toEqual([201, 201]);
    const leadId = (r.body.compositeResponse[0].body as CreateBody).id;
    const taskId = (r.body.compositeResponse[1].body as CreateBody).id;
    expect(s.sim.state.get('Task', taskId)).toMatchObject({ WhoId: leadId, Subject: 'Follow up' });
    expect(s.sim.state.counters()).toEqual({ total: 1, byEndpoint: { composite: 1 } });
  });

  it('SOQL over the new objects, including a polymorphic WhoId filter', async () => {
    const lead = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const contact = s.sim.state.seed('Contact', { LastName: 'C' });
    s.sim.state.seed('Task', { Subject: 'a', WhoId: lead, ActivityDate: '2026-01-02' });
    s.sim.state.seed('Task', { Subject: 'b', WhoId: contact, ActivityDate: '2026-01-01' });
    s.sim.state.seed('Task', { Subject: 'c', WhoId: lead, ActivityDate: '2026-01-03', IsDeleted: true });
    const byLead = await s.query<{ Subject: string }>(
      `SELECT Subject FROM Task WHERE WhoId = '${lead.slice(0, 15)}'`,
    );
    expect(byLead.body.records.map((r) => r.Subject)).toEqual(['a']);
    const ordered = await s.query<{ Subject: string }>(
      `SELECT Subject FROM Task WHERE WhoId IN ('${lead}', '${contact}') ORDER BY ActivityDate`,
    );
    expect(ordered.body.records.map((r) => r.Subject)).toEqual(['b', 'a']);
    s.sim.state.seed('Opportunity', {
      Name: 'Big',
      StageName: 'Closed Won',
      CloseDate: '2026-01-01',
      Amount: 5000,
    });
    s.sim.state.seed('Opportunity', {
      Name: 'Small',
      StageName: 'Prospecting',
      CloseDate: '2026-01-01',
      Amount: 50,
    });
    const won = await s.query(
      `SELECT Name FROM Opportunity WHERE StageName = 'closed won' AND Amount > 1000`,
    );
    expect(won.body.records).toEqual([expect.objectContaining({ Name: 'Big' })]);
    expect((await s.query('SELECT COUNT() FROM CampaignMember')).body.totalSize).toBe(0);
  });

  it('state.seed writes every new object without API rules', () => {
    const campaign = s.sim.state.seed('Campaign', { Name: 'C', IsActive: true });
    const lead = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const ids = [
      s.sim.state.seed('Opportunity', { Name: 'O', StageName: 'Prospecting', CloseDate: '2026-01-01' }),
      s.sim.state.seed('Case', { Origin: 'Web' }),
      s.sim.state.seed('Task', { Subject: 'T', WhoId: lead }),
      s.sim.state.seed('Event', { Subject: 'E' }),
      s.sim.state.seed('CampaignMember', { CampaignId: campaign, LeadId: lead }),
      s.sim.state.seed('CampaignMember', { CampaignId: campaign, LeadId: lead }),
    ];
    expect(ids.map((id) => id.slice(0, 3))).toEqual(['006', '500', '00T', '00U', '00v', '00v']);
    expect(s.sim.state.get('Case', ids[1])).toMatchObject({ Status: 'New', Origin: 'Web' });
    expect(() => s.sim.state.seed('Task', { WhoId: campaign })).toThrow(/MALFORMED_ID/);
  });
});
