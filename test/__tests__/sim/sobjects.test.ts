import { normalizeId } from '../../../tools/salesforce-sim';
import { API, call, type ErrorItem, type Session, useSession } from './helpers';

type CreateBody = { id: string; success: boolean; errors: unknown[]; created?: boolean };

describe('salesforce-sim single-record sObject endpoints', () => {
  let s: Session;
  useSession(
    (started) => {
      s = started;
    },
    {
      customFields: { Lead: { newProp__c: 'string', Score__c: 'int' } },
      customObjects: { Product__c: { Name: 'string', Sku__c: 'string', Price__c: 'currency' } },
      externalIdFields: { Product__c: ['Sku__c'] },
    },
  );

  const createLead = async (fields: Record<string, unknown>): Promise<string> => {
    const r = await s.api<CreateBody>('POST', '/sobjects/Lead', {
      LastName: 'Doe',
      Company: 'Acme',
      ...fields,
    });
    expect(r.status).toBe(201);
    return r.body.id;
  };

  it('create answers 201 {id, success, errors:[]} with an 18-char 00Q id and applies defaults', async () => {
    const r = await s.api<CreateBody>('POST', '/sobjects/Lead', {
      LastName: 'Doe',
      Company: 'Acme',
      email: 'JD@x.com',
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.stringMatching(/^00Q\w{15}$/), success: true, errors: [] });
    expect(normalizeId(r.body.id)).toBe(r.body.id);
    const rec = s.sim.state.get('Lead', r.body.id);
    expect(rec).toMatchObject({
      LastName: 'Doe',
      Email: 'JD@x.com',
      Status: 'Open - Not Contacted',
      IsConverted: false,
      IsDeleted: false,
    });
    expect(rec?.OwnerId).toMatch(/^005/);
    expect(rec?.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('GET returns all fields with attributes, or only ?fields=, and accepts 15-char ids', async () => {
    const id = await createLead({ Email: 'a@b.co', newProp__c: 'x' });
    const all = await s.api<Record<string, unknown>>('GET', `/sobjects/Lead/${id}`);
    expect(all.status).toBe(200);
    expect(all.body.attributes).toEqual({ type: 'Lead', url: `${API}/sobjects/Lead/${id}` });
    expect(all.body).toMatchObject({ Id: id, newProp__c: 'x', IsConverted: false, FirstName: null });
    const some = await s.api<Record<string, unknown>>(
      'GET',
      `/sobjects/Lead/${id.slice(0, 15)}?fields=Email,LastName`,
    );
    expect(some.status).toBe(200);
    expect(Object.keys(some.body)).toEqual(['attributes', 'Email', 'LastName']);
    const badField = await s.api<ErrorItem[]>('GET', `/sobjects/Lead/${id}?fields=Nope`);
    expect(badField.status).toBe(400);
    expect(badField.body[0].errorCode).toBe('INVALID_FIELD');
  });

  it('PATCH updates with 204 and no body; POST ?_HttpMethod=PATCH behaves the same', async () => {
    const id = await createLead({});
    const r = await s.api('PATCH', `/sobjects/Lead/${id}`, { City: 'Paris' });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const r2 = await s.api('POST', `/sobjects/Lead/${id}?_HttpMethod=PATCH`, { Title: 'CTO' });
    expect(r2.status).toBe(204);
    expect(s.sim.state.get('Lead', id)).toMatchObject({ City: 'Paris', Title: 'CTO' });
    expect(s.sim.state.counters().byEndpoint['sobject-update']).toBe(2);
  });

  it('DELETE answers 204, the row stays with IsDeleted and further writes get ENTITY_IS_DELETED', async () => {
    const id = await createLead({});
    const del = await s.api('DELETE', `/sobjects/Lead/${id}`);
    expect(del.status).toBe(204);
    expect(s.sim.state.get('Lead', id)?.IsDeleted).toBe(true);
    const again = await s.api<ErrorItem[]>('PATCH', `/sobjects/Lead/${id}`, { City: 'x' });
    expect(again.status).toBe(404);
    expect(again.body[0].errorCode).toBe('ENTITY_IS_DELETED');
    const get = await s.api<ErrorItem[]>('GET', `/sobjects/Lead/${id}`);
    expect(get.body[0].errorCode).toBe('ENTITY_IS_DELETED');
  });

  it('required fields missing on create -> 400 REQUIRED_FIELD_MISSING listing the fields', async () => {
    const lead = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', { FirstName: 'x' });
    expect(lead.status).toBe(400);
    expect(lead.body).toEqual([
      {
        message: 'Required fields are missing: [LastName, Company]',
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: ['LastName', 'Company'],
      },
    ]);
    const contact = await s.api<ErrorItem[]>('POST', '/sobjects/Contact', { FirstName: 'x' });
    expect(contact.body[0]).toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] });
    const account = await s.api<ErrorItem[]>('POST', '/sobjects/Account', {});
    expect(account.body[0]).toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] });
    const cleared = await s.api<ErrorItem[]>('PATCH', `/sobjects/Lead/${await createLead({})}`, {
      LastName: null,
    });
    expect(cleared.body[0].errorCode).toBe('REQUIRED_FIELD_MISSING');
  });

  it('unknown field -> INVALID_FIELD "No such column"; system fields -> INVALID_FIELD_FOR_INSERT_UPDATE', async () => {
    const unknown = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', { LastName: 'a', Company: 'b', x: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body[0]).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: "No such column 'x' on sobject of type Lead",
    });
    for (const field of ['IsConverted', 'IsDeleted', 'CreatedDate', 'ConvertedContactId']) {
      const value =
        field === 'CreatedDate' ? '2024-01-01T00:00:00Z' : field === 'ConvertedContactId' ? null : true;
      const r = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', {
        LastName: 'a',
        Company: 'b',
        [field]: value,
      });
      expect(r.status).toBe(400);
      expect(r.body[0]).toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: [field] });
    }
    const withId = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', {
      Id: '00Q000000000001AAA',
      LastName: 'a',
      Company: 'b',
    });
    expect(withId.body[0].errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    const patchId = await s.api<ErrorItem[]>('PATCH', `/sobjects/Lead/${await createLead({})}`, { Id: 'x' });
    expect(patchId.body[0].errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    expect(s.sim.state.records('Lead')).toHaveLength(1);
  });

  it('malformed id -> 400 MALFORMED_ID; unknown id -> 404 NOT_FOUND; wrong key prefix -> MALFORMED_ID', async () => {
    const bad = await s.api<ErrorItem[]>('PATCH', '/sobjects/Lead/abc', { City: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual([
      { message: 'Lead ID: id value of incorrect type: abc', errorCode: 'MALFORMED_ID', fields: ['Id'] },
    ]);
    const badSuffix = await s.api<ErrorItem[]>('GET', '/sobjects/Lead/00Q5g000000000Q999');
    expect(badSuffix.body[0].errorCode).toBe('MALFORMED_ID');
    const missing = await s.api<ErrorItem[]>('GET', '/sobjects/Lead/00Q5g00000000AA');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    const contactId = (await s.api<CreateBody>('POST', '/sobjects/Contact', { LastName: 'x' })).body.id;
    const wrongType = await s.api<ErrorItem[]>('DELETE', `/sobjects/Lead/${contactId}`);
    expect(wrongType.body[0].errorCode).toBe('MALFORMED_ID');
  });

  it('updating a converted Lead -> CANNOT_UPDATE_CONVERTED_LEAD', async () => {
    const contactId = s.sim.state.seed('Contact', { LastName: 'Conv' });
    const id = s.sim.state.seed('Lead', {
      LastName: 'L',
      Company: 'C',
      IsConverted: true,
      ConvertedContactId: contactId,
    });
    const r = await s.api<ErrorItem[]>('PATCH', `/sobjects/Lead/${id}`, { City: 'x' });
    expect(r.status).toBe(400);
    expect(r.body[0]).toMatchObject({ errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD' });
    expect(s.sim.state.get('Lead', id)?.City).toBeNull();
  });

  it('invalid email -> INVALID_EMAIL_ADDRESS; too long -> STRING_TOO_LONG; wrong JSON type -> JSON_PARSER_ERROR', async () => {
    for (const email of ['not-an-email', 'a@b', '@b.com', 'a b@c.de']) {
      const r = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', {
        LastName: 'a',
        Company: 'b',
        Email: email,
      });
      expect(r.status).toBe(400);
      expect(r.body[0]).toMatchObject({ errorCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] });
    }
    const long = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', {
      LastName: 'x'.repeat(81),
      Company: 'b',
    });
    expect(long.body[0]).toMatchObject({ errorCode: 'STRING_TOO_LONG', fields: ['LastName'] });
    const typed = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', {
      LastName: 'a',
      Company: 'b',
      NumberOfEmployees: 'many',
    });
    expect(typed.body[0].errorCode).toBe('JSON_PARSER_ERROR');
    const notJson = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', '{"LastName": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body[0].errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('reference fields are checked: malformed -> MALFORMED_ID, missing target -> INVALID_CROSS_REFERENCE_KEY', async () => {
    const accountId = (await s.api<CreateBody>('POST', '/sobjects/Account', { Name: 'Acme' })).body.id;
    const ok = await s.api<CreateBody>('POST', '/sobjects/Contact', {
      LastName: 'x',
      AccountId: accountId.slice(0, 15),
    });
    expect(ok.status).toBe(201);
    expect(s.sim.state.get('Contact', ok.body.id)?.AccountId).toBe(accountId);
    const bad = await s.api<ErrorItem[]>('POST', '/sobjects/Contact', { LastName: 'x', AccountId: 'zzz' });
    expect(bad.body[0]).toMatchObject({ errorCode: 'MALFORMED_ID', fields: ['AccountId'] });
    const gone = await s.api<ErrorItem[]>('POST', '/sobjects/Contact', {
      LastName: 'x',
      AccountId: '0015g00000000AA',
    });
    expect(gone.body[0]).toMatchObject({ errorCode: 'INVALID_CROSS_REFERENCE_KEY', fields: ['AccountId'] });
  });

  it('upsert by external id: 201 created:true, then 200 created:false, record updated', async () => {
    const first = await s.api<CreateBody>('PATCH', '/sobjects/Product__c/Sku__c/SKU-1', {
      Name: 'Widget',
      Price__c: 9.5,
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^a00\w{15}$/),
      success: true,
      errors: [],
      created: true,
    });
    const second = await s.api<CreateBody>('PATCH', '/sobjects/Product__c/Sku__c/sku-1', { Price__c: 11 });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, success: true, errors: [], created: false });
    expect(s.sim.state.records('Product__c')).toEqual([
      expect.objectContaining({ Id: first.body.id, Sku__c: 'SKU-1', Name: 'Widget', Price__c: 11 }),
    ]);
  });

  it('upsert on Lead.Email (idLookup); several matches -> 300 with the record URLs and nothing written', async () => {
    const created = await s.api<CreateBody>(
      'PATCH',
      `/sobjects/Lead/Email/${encodeURIComponent('x+1@y.com')}`,
      {
        LastName: 'Up',
        Company: 'C',
      },
    );
    expect(created.status).toBe(201);
    expect(s.sim.state.get('Lead', created.body.id)?.Email).toBe('x+1@y.com');
    const a = s.sim.state.seed('Lead', { LastName: 'A', Company: 'C', Email: 'dup@y.com' });
    const b = s.sim.state.seed('Lead', { LastName: 'B', Company: 'C', Email: 'DUP@y.com' });
    const multi = await s.api<string[]>('PATCH', '/sobjects/Lead/Email/dup@y.com', { City: 'x' });
    expect(multi.status).toBe(300);
    expect(multi.body).toEqual([`${API}/sobjects/Lead/${a}`, `${API}/sobjects/Lead/${b}`]);
    expect(s.sim.state.get('Lead', a)?.City).toBeNull();
  });

  it('upsert errors: unknown external-id field -> 404 NOT_FOUND; key in body -> 400; converted lead match', async () => {
    const unknown = await s.api<ErrorItem[]>('PATCH', '/sobjects/Lead/Nope__c/1', {
      LastName: 'x',
      Company: 'y',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    const notExternal = await s.api<ErrorItem[]>('PATCH', '/sobjects/Lead/City/Paris', {
      LastName: 'x',
      Company: 'y',
    });
    expect(notExternal.status).toBe(404);
    const inBody = await s.api<ErrorItem[]>('PATCH', '/sobjects/Product__c/Sku__c/S1', { Sku__c: 'S1' });
    expect(inBody.status).toBe(400);
    s.sim.state.seed('Lead', { LastName: 'L', Company: 'C', Email: 'conv@x.com', IsConverted: true });
    const conv = await s.api<ErrorItem[]>('PATCH', '/sobjects/Lead/Email/conv@x.com', { City: 'x' });
    expect(conv.body[0].errorCode).toBe('CANNOT_UPDATE_CONVERTED_LEAD');
  });

  it('upsert before v46 answers 204 on update and omits created (version-sensitive behaviour)', async () => {
    const old = '/services/data/v45.0';
    const c = await s.api<CreateBody>('PATCH', `${old}/sobjects/Product__c/Sku__c/OLD`, { Name: 'n' });
    expect(c.status).toBe(201);
    expect(c.body).not.toHaveProperty('created');
    const u = await s.api('PATCH', `${old}/sobjects/Product__c/Sku__c/OLD`, { Name: 'm' });
    expect(u.status).toBe(204);
  });

  it('GET and DELETE by external id', async () => {
    s.sim.state.seed('Product__c', { Name: 'P', Sku__c: 'G-1' });
    const got = await s.api<Record<string, unknown>>('GET', '/sobjects/Product__c/Sku__c/G-1?fields=Name');
    expect(got.status).toBe(200);
    expect(got.body.Name).toBe('P');
    expect((await s.api('DELETE', '/sobjects/Product__c/Sku__c/G-1')).status).toBe(204);
    expect((await s.api('GET', '/sobjects/Product__c/Sku__c/G-1')).status).toBe(404);
  });

  it('custom objects default Name to the Id and have a0X key prefixes', async () => {
    const r = await s.api<CreateBody>('POST', '/sobjects/Product__c', { Sku__c: 'N1' });
    expect(r.status).toBe(201);
    expect(s.sim.state.get('Product__c', r.body.id)?.Name).toBe(r.body.id);
  });

  it('describe lists fields with the documented properties, incl. custom and external ids', async () => {
    const r = await s.api<{ name: string; fields: Record<string, unknown>[] }>(
      'GET',
      '/sobjects/Lead/describe',
    );
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('Lead');
    const byName = new Map(r.body.fields.map((f) => [f.name, f]));
    for (const f of r.body.fields) {
      for (const k of [
        'name',
        'type',
        'length',
        'createable',
        'updateable',
        'nillable',
        'custom',
        'externalId',
        'idLookup',
        'unique',
      ]) {
        expect(f).toHaveProperty(k);
      }
    }
    expect(byName.get('LastName')).toMatchObject({
      type: 'string',
      length: 80,
      nillable: false,
      createable: true,
    });
    expect(byName.get('Company')).toMatchObject({ length: 255, nillable: false });
    expect(byName.get('Email')).toMatchObject({
      type: 'email',
      length: 80,
      idLookup: true,
      externalId: false,
    });
    expect(byName.get('IsConverted')).toMatchObject({
      type: 'boolean',
      createable: false,
      updateable: false,
    });
    expect(byName.get('newProp__c')).toMatchObject({ custom: true, type: 'string', createable: true });
    expect(byName.get('Status')).toMatchObject({ defaultedOnCreate: true });
    const product = await s.api<{ fields: Record<string, unknown>[]; custom: boolean }>(
      'GET',
      '/sobjects/Product__c/describe',
    );
    expect(product.body.custom).toBe(true);
    expect(product.body.fields.find((f) => f.name === 'Sku__c')).toMatchObject({
      externalId: true,
      idLookup: true,
      custom: true,
    });
    const contact = await s.api<{ fields: Record<string, unknown>[] }>('GET', '/sobjects/Contact/describe');
    const names = contact.body.fields.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['MailingPostalCode', 'AccountId', 'Birthdate', 'Department']),
    );
    expect(s.sim.state.counters().byEndpoint.describe).toBe(3);
  });

  it('unknown object -> 404 NOT_FOUND; describe global lists the objects', async () => {
    const r = await s.api<ErrorItem[]>('POST', '/sobjects/Nope__c', { Name: 'x' });
    expect(r.status).toBe(404);
    expect(r.body[0].errorCode).toBe('NOT_FOUND');
    const g = await s.api<{ sobjects: { name: string; keyPrefix: string }[] }>('GET', '/sobjects');
    expect(g.body.sobjects.map((o) => [o.name, o.keyPrefix])).toEqual(
      expect.arrayContaining([
        ['Lead', '00Q'],
        ['Contact', '003'],
        ['Account', '001'],
        ['Product__c', 'a00'],
      ]),
    );
  });

  it('limits returns DailyApiRequests {Max, Remaining} and counts itself', async () => {
    const r = await s.api<{ DailyApiRequests: { Max: number; Remaining: number } }>('GET', '/limits');
    expect(r.status).toBe(200);
    expect(r.body.DailyApiRequests).toEqual({ Max: 100000, Remaining: 99999 });
  });

  it('versions list is unauthenticated and unmetered; unsupported versions are 404', async () => {
    const r = await call<{ label: string; url: string; version: string }[]>(`${s.sim.url}/services/data/`);
    expect(r.status).toBe(200);
    expect(r.body[0]).toEqual({ label: "Summer '14", url: '/services/data/v31.0', version: '31.0' });
    expect(r.body.find((v) => v.version === '58.0')?.label).toBe("Summer '23");
    expect(r.body[r.body.length - 1]).toEqual({
      label: "Winter '27",
      url: '/services/data/v68.0',
      version: '68.0',
    });
    expect(r.headers.get('sforce-limit-info')).toBeNull();
    for (const v of ['v30.0', 'v69.0', 'v62.5', 'vX']) {
      const bad = await s.api<ErrorItem[]>('GET', `/services/data/${v}/limits`);
      expect(bad.status).toBe(404);
      expect(bad.body[0].errorCode).toBe('NOT_FOUND');
    }
    expect((await s.api('GET', '/services/data/v31.0/limits')).status).toBe(200);
    expect((await s.api('GET', '/services/data/v68.0/limits')).status).toBe(200);
    expect(s.sim.state.counters().total).toBe(2);
  });
});
