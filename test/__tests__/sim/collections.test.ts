import { startSimulator } from '../../../tools/salesforce-sim';
import {
  type ErrorItem,
  type ItemResult,
  passwordToken,
  type Session,
  useSession,
  call,
  API,
} from './helpers';

const lead = (fields: Record<string, unknown>): Record<string, unknown> => ({
  attributes: { type: 'Lead' },
  LastName: 'Doe',
  Company: 'Acme',
  ...fields,
});

describe('salesforce-sim sObject Collections', () => {
  let s: Session;
  useSession(
    (started) => {
      s = started;
    },
    {
      customObjects: { Product__c: { Name: 'string', Sku__c: 'string' } },
      externalIdFields: { Product__c: ['Sku__c'] },
    },
  );

  it('create: per-record results in request order, HTTP 200 even when some rows fail', async () => {
    const r = await s.api<ItemResult[]>('POST', '/composite/sobjects', {
      allOrNone: false,
      records: [
        lead({ Email: 'a@x.com' }),
        { attributes: { type: 'Contact' }, FirstName: 'no last name' },
        { attributes: { type: 'Account' }, Name: 'Acme' },
        lead({ Email: 'bad-email' }),
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { id: expect.stringMatching(/^00Q/), success: true, errors: [] },
      {
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [LastName]',
            fields: ['LastName'],
          },
        ],
      },
      { id: expect.stringMatching(/^001/), success: true, errors: [] },
      {
        success: false,
        errors: [expect.objectContaining({ statusCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] })],
      },
    ]);
    expect(s.sim.state.records('Lead')).toHaveLength(1);
    expect(s.sim.state.records('Account')).toHaveLength(1);
    expect(s.sim.state.counters()).toEqual({ total: 1, byEndpoint: { 'collections-create': 1 } });
  });

  it('create: id must not be set, attributes.type is required', async () => {
    const r = await s.api<ItemResult[]>('POST', '/composite/sobjects', {
      records: [lead({ id: '00Q5g00000000AAAAA' }), lead({})],
    });
    expect(r.status).toBe(200);
    expect(r.body[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' }],
    });
    expect(r.body[1].success).toBe(true);
    const noType = await s.api<ErrorItem[]>('POST', '/composite/sobjects', {
      records: [{ LastName: 'x', Company: 'y' }],
    });
    expect(noType.status).toBe(400);
    expect(noType.body[0]).toMatchObject({
      errorCode: 'INVALID_TYPE',
      message: 'Must send a concrete entity type.',
    });
  });

  it('allOrNone=true: one failure rolls back everything, other rows get ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const r = await s.api<ItemResult[]>('POST', '/composite/sobjects', {
      allOrNone: true,
      records: [lead({ Email: 'a@x.com' }), lead({ LastName: null }), lead({ Email: 'c@x.com' })],
    });
    expect(r.status).toBe(200);
    const rolledBack = {
      success: false,
      errors: [
        {
          statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
          message:
            'Record rolled back because not all records were valid and the request was using AllOrNone header',
          fields: [],
        },
      ],
    };
    expect(r.body[0]).toEqual(rolledBack);
    expect(r.body[1]).toMatchObject({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING' }] });
    expect(r.body[2]).toEqual(rolledBack);
    expect(s.sim.state.records('Lead')).toEqual([]);
  });

  it('more than 200 records -> 400 EXCEEDED_ID_LIMIT for the whole request, nothing written', async () => {
    const records = Array.from({ length: 201 }, (_, i) => lead({ Email: `u${i}@x.com` }));
    const r = await s.api<ErrorItem[]>('POST', '/composite/sobjects', { records });
    expect(r.status).toBe(400);
    expect(r.body).toEqual([
      {
        message: 'record limit reached. cannot submit more than 200 records into this call',
        errorCode: 'EXCEEDED_ID_LIMIT',
      },
    ]);
    expect(s.sim.state.records('Lead')).toHaveLength(0);
    const ok = await s.api<ItemResult[]>('POST', '/composite/sobjects', { records: records.slice(0, 200) });
    expect(ok.status).toBe(200);
    expect(ok.body.every((x) => x.success)).toBe(true);
    expect(s.sim.state.records('Lead')).toHaveLength(200);
  });

  it('an unknown field fails the whole request by default (JSON deserialisation), per record when configured', async () => {
    const body = { records: [lead({}), lead({ Bogus__c: 1 })] };
    const r = await s.api<ErrorItem[]>('POST', '/composite/sobjects', body);
    expect(r.status).toBe(400);
    expect(r.body[0]).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: "No such column 'Bogus__c' on sobject of type Lead",
    });
    expect(s.sim.state.records('Lead')).toHaveLength(0);

    const perRecord = await startSimulator({ collectionsDeserializeErrors: 'record' });
    try {
      const token = await passwordToken(perRecord);
      const r2 = await call<ItemResult[]>(`${perRecord.url}${API}/composite/sobjects`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(r2.status).toBe(200);
      expect(r2.body[0].success).toBe(true);
      expect(r2.body[1]).toMatchObject({
        success: false,
        errors: [{ statusCode: 'INVALID_FIELD', fields: ['Bogus__c'] }],
      });
    } finally {
      await perRecord.close();
    }
  });

  it('update: records need id; unknown/malformed ids and converted leads fail per record', async () => {
    const a = s.sim.state.seed('Lead', { LastName: 'A', Company: 'C' });
    const conv = s.sim.state.seed('Lead', { LastName: 'B', Company: 'C', IsConverted: true });
    const deleted = s.sim.state.seed('Lead', { LastName: 'D', Company: 'C', IsDeleted: true });
    const r = await s.api<ItemResult[]>('PATCH', '/composite/sobjects', {
      records: [
        { attributes: { type: 'Lead' }, id: a, City: 'Oslo' },
        { attributes: { type: 'Lead' }, City: 'no id' },
        { attributes: { type: 'Lead' }, id: 'garbage', City: 'x' },
        { attributes: { type: 'Lead' }, id: conv, City: 'x' },
        { attributes: { type: 'Lead' }, id: deleted, City: 'x' },
        { attributes: { type: 'Lead' }, id: '00Q5g00000000AA', City: 'x' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body[0]).toEqual({ id: a, success: true, errors: [] });
    expect(r.body[1]).toMatchObject({ success: false, errors: [{ statusCode: 'MISSING_ARGUMENT' }] });
    expect(r.body[2]).toMatchObject({ success: false, errors: [{ statusCode: 'MALFORMED_ID' }] });
    expect(r.body[3]).toMatchObject({
      id: conv,
      success: false,
      errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD' }],
    });
    expect(r.body[4]).toMatchObject({
      id: deleted,
      success: false,
      errors: [{ statusCode: 'ENTITY_IS_DELETED' }],
    });
    expect(r.body[5]).toMatchObject({ success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED' }] });
    expect(s.sim.state.get('Lead', a)?.City).toBe('Oslo');
    expect(s.sim.state.counters().byEndpoint['collections-update']).toBe(1);
  });

  it('update with allOrNone=true restores the rows already written', async () => {
    const a = s.sim.state.seed('Lead', { LastName: 'A', Company: 'C', City: 'Before' });
    const r = await s.api<ItemResult[]>('PATCH', '/composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Lead' }, id: a, City: 'After' },
        { attributes: { type: 'Lead' }, id: a, Email: 'broken' },
      ],
    });
    expect(r.body[0]).toMatchObject({
      id: a,
      success: false,
      errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }],
    });
    expect(r.body[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_EMAIL_ADDRESS' }] });
    expect(s.sim.state.get('Lead', a)?.City).toBe('Before');
  });

  it('upsert: created true/false per row, same value twice -> DUPLICATE_VALUE on each such row', async () => {
    const existing = s.sim.state.seed('Product__c', { Name: 'Old', Sku__c: 'S-1' });
    const r = await s.api<ItemResult[]>('PATCH', '/composite/sobjects/Product__c/Sku__c', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Product__c' }, Sku__c: 's-1', Name: 'Updated' },
        { attributes: { type: 'Product__c' }, Sku__c: 'S-2', Name: 'New' },
        { attributes: { type: 'Product__c' }, Sku__c: 'DUP', Name: 'x' },
        { attributes: { type: 'Product__c' }, Sku__c: 'DUP', Name: 'y' },
        { attributes: { type: 'Product__c' }, Name: 'no key' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body[0]).toEqual({ id: existing, success: true, errors: [], created: false });
    expect(r.body[1]).toEqual({
      id: expect.stringMatching(/^a00/),
      success: true,
      errors: [],
      created: true,
    });
    const dup = {
      statusCode: 'DUPLICATE_VALUE',
      message: 'Duplicate external id specified: DUP',
      fields: [],
    };
    expect(r.body[2]).toEqual({ success: false, errors: [dup], created: false });
    expect(r.body[3]).toEqual({ success: false, errors: [dup], created: false });
    expect(r.body[4]).toMatchObject({ success: false, errors: [{ statusCode: 'MISSING_ARGUMENT' }] });
    expect(
      s.sim.state
        .records('Product__c')
        .map((p) => p.Name)
        .sort(),
    ).toEqual(['New', 'Updated']);
    expect(s.sim.state.counters().byEndpoint['collections-upsert']).toBe(1);
  });

  it('upsert on Lead Email: several existing matches -> DUPLICATE_EXTERNAL_ID; bad field -> 400', async () => {
    s.sim.state.seed('Lead', { LastName: 'A', Company: 'C', Email: 'two@x.com' });
    s.sim.state.seed('Lead', { LastName: 'B', Company: 'C', Email: 'two@x.com' });
    const r = await s.api<ItemResult[]>('PATCH', '/composite/sobjects/Lead/Email', {
      records: [lead({ Email: 'two@x.com' }), lead({ Email: 'one@x.com' })],
    });
    expect(r.body[0]).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID' }] });
    expect(r.body[1]).toMatchObject({ success: true, created: true });
    const bad = await s.api<ErrorItem[]>('PATCH', '/composite/sobjects/Lead/City', {
      records: [lead({ City: 'x' })],
    });
    expect(bad.status).toBe(400);
    expect(bad.body[0].errorCode).toBe('INVALID_FIELD');
  });

  it('upsert with allOrNone=true writes nothing when one row fails', async () => {
    const r = await s.api<ItemResult[]>('PATCH', '/composite/sobjects/Product__c/Sku__c', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Product__c' }, Sku__c: 'A', Name: 'a' },
        { attributes: { type: 'Product__c' }, Sku__c: 'B', Name: 'n'.repeat(81) },
      ],
    });
    expect(r.body[0]).toMatchObject({
      success: false,
      created: false,
      errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }],
    });
    expect(r.body[1]).toMatchObject({ success: false, errors: [{ statusCode: 'STRING_TOO_LONG' }] });
    expect(s.sim.state.records('Product__c')).toEqual([]);
  });

  it('delete by ids (mixed types) and retrieve by ids', async () => {
    const l = s.sim.state.seed('Lead', { LastName: 'A', Company: 'C' });
    const c = s.sim.state.seed('Contact', { LastName: 'C' });
    const del = await s.api<ItemResult[]>('DELETE', `/composite/sobjects?ids=${l},${c},nope&allOrNone=false`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual([
      { id: l, success: true, errors: [] },
      { id: c, success: true, errors: [] },
      { success: false, errors: [{ statusCode: 'MALFORMED_ID', message: 'malformed id nope', fields: [] }] },
    ]);
    expect(s.sim.state.get('Contact', c)?.IsDeleted).toBe(true);

    const keep = s.sim.state.seed('Lead', { LastName: 'K', Company: 'C', Email: 'k@x.com' });
    const got = await s.api<(Record<string, unknown> | null)[]>(
      'GET',
      `/composite/sobjects/Lead?ids=${keep},${l}&fields=Id,Email`,
    );
    expect(got.status).toBe(200);
    expect(got.body).toEqual([
      { attributes: { type: 'Lead', url: `${API}/sobjects/Lead/${keep}` }, Id: keep, Email: 'k@x.com' },
      null,
    ]);
    const posted = await s.api<(Record<string, unknown> | null)[]>('POST', '/composite/sobjects/Lead', {
      ids: [keep],
      fields: ['LastName'],
    });
    expect(posted.body[0]).toMatchObject({ LastName: 'K' });
  });

  it('more than 10 type chunks in one request is rejected', async () => {
    const records = Array.from({ length: 11 }, (_, i) =>
      i % 2 === 0 ? lead({}) : { attributes: { type: 'Account' }, Name: `A${i}` },
    );
    const r = await s.api<ErrorItem[]>('POST', '/composite/sobjects', { records });
    expect(r.status).toBe(400);
    expect(s.sim.state.records('Lead')).toHaveLength(0);
    const ten = await s.api<ItemResult[]>('POST', '/composite/sobjects', { records: records.slice(0, 10) });
    expect(ten.status).toBe(200);
  });
});
