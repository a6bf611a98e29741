import type { SimOptions } from '../../../tools/salesforce-sim';
import { type ErrorItem, type ItemResult, type Session, startSession, useSession } from './helpers';

type UpsertBody = { id: string; success: boolean; errors: unknown[]; created?: boolean };

const OPTIONS: SimOptions = {
  customObjects: { Item__c: { Num__c: 'double', Code__c: 'int', Ref__c: 'string' } },
  externalIdFields: { Item__c: ['Num__c', 'Code__c', 'Ref__c'] },
};

describe('salesforce-sim external-id values in the URL are converted to the field type', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  }, OPTIONS);

  it('PATCH, GET and DELETE by Num__c/5.0 find the row whose number is 5', async () => {
    const id = s.sim.state.seed('Item__c', { Num__c: 5 });
    const upsert = await s.api<UpsertBody>('PATCH', '/sobjects/Item__c/Num__c/5.0', { Name: 'five' });
    expect(upsert.status).toBe(200);
    expect(upsert.body).toEqual({ id, success: true, errors: [], created: false });
    for (const value of ['5', '5.0', '5.00', '05']) {
      const read = await s.api<Record<string, unknown>>(
        'GET',
        `/sobjects/Item__c/Num__c/${value}?fields=Name,Num__c`,
      );
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ Name: 'five', Num__c: 5 });
    }
    expect((await s.api('DELETE', '/sobjects/Item__c/Num__c/5.0')).status).toBe(204);
    expect(s.sim.state.get('Item__c', id)?.IsDeleted).toBe(true);
    expect((await s.api('GET', '/sobjects/Item__c/Num__c/5')).status).toBe(404);
  });

  it('a new value creates the row with the converted number', async () => {
    const r = await s.api<UpsertBody>('PATCH', '/sobjects/Item__c/Num__c/6.50', { Name: 'six and a half' });
    expect(r.status).toBe(201);
    expect(s.sim.state.get('Item__c', r.body.id)?.Num__c).toBe(6.5);
    expect((await s.api('GET', '/sobjects/Item__c/Num__c/6.5')).status).toBe(200);
  });

  it('an int field takes 7.0 for 7 but not 7.5', async () => {
    s.sim.state.seed('Item__c', { Code__c: 7 });
    expect((await s.api('GET', '/sobjects/Item__c/Code__c/7.0')).status).toBe(200);
    expect((await s.api('GET', '/sobjects/Item__c/Code__c/7.5')).status).toBe(404);
    const bad = await s.api<ErrorItem[]>('PATCH', '/sobjects/Item__c/Code__c/7.5', {});
    expect(bad.status).toBe(400);
    expect(bad.body[0].errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('a value the number field cannot hold is 400 JSON_PARSER_ERROR on upsert and 404 on GET', async () => {
    const upsert = await s.api<ErrorItem[]>('PATCH', '/sobjects/Item__c/Num__c/abc', { Name: 'x' });
    expect(upsert.status).toBe(400);
    expect(upsert.body[0]).toMatchObject({ errorCode: 'JSON_PARSER_ERROR' });
    expect(upsert.body[0].message).toContain('abc');
    expect((await s.api('GET', '/sobjects/Item__c/Num__c/abc')).status).toBe(404);
    expect(s.sim.state.records('Item__c')).toEqual([]);
  });

  it('a text external id compares as text: 5.0 does not match "5"', async () => {
    s.sim.state.seed('Item__c', { Ref__c: '5' });
    expect((await s.api('GET', '/sobjects/Item__c/Ref__c/5.0')).status).toBe(404);
    expect((await s.api('GET', '/sobjects/Item__c/Ref__c/5')).status).toBe(200);
  });

  it('Collections: 5 and "5.0" are the same key, so both rows get DUPLICATE_VALUE', async () => {
    const r = await s.api<ItemResult[]>('PATCH', '/composite/sobjects/Item__c/Num__c', {
      records: [
        { attributes: { type: 'Item__c' }, Num__c: 5 },
        { attributes: { type: 'Item__c' }, Num__c: '5.0' },
        { attributes: { type: 'Item__c' }, Num__c: 6 },
      ],
    });
    expect(r.body.map((x) => x.errors[0]?.statusCode ?? 'ok')).toEqual([
      'DUPLICATE_VALUE',
      'DUPLICATE_VALUE',
      'ok',
    ]);
  });

  it('Collections: a key of the wrong type rejects the whole request', async () => {
    const r = await s.api<ErrorItem[]>('PATCH', '/composite/sobjects/Item__c/Num__c', {
      records: [
        { attributes: { type: 'Item__c' }, Num__c: 1 },
        { attributes: { type: 'Item__c' }, Num__c: 'abc' },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body[0].errorCode).toBe('JSON_PARSER_ERROR');
    expect(s.sim.state.records('Item__c')).toEqual([]);
  });
});

describe('salesforce-sim external-id keys with per-record deserialisation errors', () => {
  it('a key of the wrong type fails only its own row', async () => {
    const s = await startSession({
      customObjects: { Item__c: { Num__c: 'double' } },
      externalIdFields: { Item__c: ['Num__c'] },
      collectionsDeserializeErrors: 'record',
    });
    try {
      const r = await s.api<ItemResult[]>('PATCH', '/composite/sobjects/Item__c/Num__c', {
        records: [
          { attributes: { type: 'Item__c' }, Num__c: 1 },
          { attributes: { type: 'Item__c' }, Num__c: { nested: true } },
        ],
      });
      expect(r.status).toBe(200);
      expect(r.body[0]).toMatchObject({ success: true, created: true });
      expect(r.body[1]).toMatchObject({ success: false, errors: [{ statusCode: 'JSON_PARSER_ERROR' }] });
      expect(s.sim.state.records('Item__c')).toHaveLength(1);
    } finally {
      await s.sim.close();
    }
  });
});
