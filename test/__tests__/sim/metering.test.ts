import { normalizeId, startSimulator, to18 } from '../../../tools/salesforce-sim';
import {
  call,
  type ErrorItem,
  type ItemResult,
  passwordToken,
  type Session,
  useSession,
  API,
} from './helpers';

describe('salesforce-sim ids', () => {
  it('computes the documented case-checksum suffix and accepts 15/18-char ids in any case', () => {
    expect(to18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(normalizeId('001a0000006vm9riac')).toBe('001A0000006Vm9rIAC');
    // The suffix is authoritative for letter case: AAA means "all lower case" (a different record).
    expect(normalizeId('001A0000006Vm9rAAA')).toBe('001a0000006vm9rAAA');
    // Z marks position 0 of the first chunk as upper case, but it is a digit: malformed.
    expect(normalizeId('001A0000006Vm9rZAC')).toBeNull();
    expect(normalizeId('001A0000006Vm9r999')).toBeNull();
    expect(normalizeId('001A0000006Vm9')).toBeNull();
    expect(normalizeId('001A0000006Vm9r!')).toBeNull();
  });
});

describe('salesforce-sim metering', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  });

  it('every REST response carries Sforce-Limit-Info: api-usage=N/M, errors included', async () => {
    const a = await s.api('GET', '/limits');
    expect(a.headers.get('sforce-limit-info')).toBe('api-usage=1/100000');
    const b = await s.api('POST', '/sobjects/Lead', { LastName: 'x' });
    expect(b.status).toBe(400);
    expect(b.headers.get('sforce-limit-info')).toBe('api-usage=2/100000');
    const c = await s.query('SELECT Nope FROM Lead');
    expect(c.headers.get('sforce-limit-info')).toBe('api-usage=3/100000');
  });

  it('counts calls by endpoint kind; Collections and Composite count once', async () => {
    const id = s.sim.state.seed('Lead', { LastName: 'x', Company: 'y', Email: 'e@x.com' });
    await s.api('POST', '/sobjects/Lead', { LastName: 'a', Company: 'b' });
    await s.api('GET', `/sobjects/Lead/${id}`);
    await s.api('PATCH', `/sobjects/Lead/${id}`, { City: 'c' });
    await s.api('PATCH', '/sobjects/Lead/Email/e@x.com', { City: 'd' });
    await s.api('POST', '/composite/sobjects', {
      records: [{ attributes: { type: 'Lead' }, LastName: 'a', Company: 'b' }],
    });
    await s.api('PATCH', '/composite/sobjects', {
      records: [{ attributes: { type: 'Lead' }, id, City: 'e' }],
    });
    await s.api('PATCH', '/composite/sobjects/Lead/Email', {
      records: [{ attributes: { type: 'Lead' }, Email: 'e@x.com' }],
    });
    await s.api('POST', '/composite', {
      compositeRequest: [{ method: 'GET', url: `${API}/limits`, referenceId: 'a' }],
    });
    await s.api('GET', '/sobjects/Lead/describe');
    await s.api('GET', '/limits');
    await s.query('SELECT Id FROM Lead');
    await s.api('GET', '/parameterizedSearch/?q=e@x.com');
    await s.api('DELETE', `/sobjects/Lead/${id}`);
    await s.api('DELETE', `/composite/sobjects?ids=${id}`);
    await call(`${s.sim.url}/services/data/`);
    expect(s.sim.state.counters()).toEqual({
      total: 14,
      byEndpoint: {
        'sobject-create': 1,
        'sobject-get': 1,
        'sobject-update': 1,
        'sobject-upsert': 1,
        'sobject-delete': 1,
        'collections-create': 1,
        'collections-update': 1,
        'collections-upsert': 1,
        'collections-delete': 1,
        composite: 1,
        describe: 1,
        limits: 1,
        query: 1,
        search: 1,
      },
    });
    s.sim.state.resetCounters();
    expect(s.sim.state.counters()).toEqual({ total: 0, byEndpoint: {} });
  });

  it('after the daily allocation is spent, calls answer 403 REQUEST_LIMIT_EXCEEDED (not counted)', async () => {
    const sim = await startSimulator({ dailyApiLimit: 3 });
    try {
      const token = await passwordToken(sim);
      const get = (): ReturnType<typeof call<ErrorItem[]>> =>
        call<ErrorItem[]>(`${sim.url}${API}/limits`, { headers: { authorization: `Bearer ${token}` } });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await get()).status);
      expect(statuses).toEqual([200, 200, 200]);
      const over = await get();
      expect(over.status).toBe(403);
      expect(over.body).toEqual([
        { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]);
      expect(over.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
      expect(sim.state.counters().total).toBe(3);
      // The token endpoint is not metered and keeps working.
      expect(await passwordToken(sim)).toMatch(/^00D/);
      sim.state.resetCounters();
      expect((await get()).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('setApiUsage lets a test start close to the limit; /limits reports Remaining', async () => {
    s.sim.state.setApiUsage(99_998);
    const r = await s.api<{ DailyApiRequests: { Max: number; Remaining: number } }>('GET', '/limits');
    expect(r.body.DailyApiRequests).toEqual({ Max: 100000, Remaining: 1 });
    expect((await s.api('GET', '/limits')).status).toBe(200);
    expect((await s.api('GET', '/limits')).status).toBe(403);
  });

  it('handles 10,000 upserts through Composite + Collections in 10 metered calls', async () => {
    for (let c = 0; c < 10; c++) {
      const compositeRequest = Array.from({ length: 5 }, (_, k) => ({
        method: 'PATCH',
        url: `${API}/composite/sobjects/Lead/Email`,
        referenceId: `b${k}`,
        body: {
          allOrNone: false,
          records: Array.from({ length: 200 }, (_, i) => ({
            attributes: { type: 'Lead' },
            Email: `user${c * 1000 + k * 200 + i}@example.com`,
            LastName: 'Bench',
            Company: 'Co',
          })),
        },
      }));
      const r = await s.api<{ compositeResponse: { body: ItemResult[] }[] }>('POST', '/composite', {
        compositeRequest,
      });
      expect(
        r.body.compositeResponse.every((sub) => sub.body.every((x) => x.success && x.created === true)),
      ).toBe(true);
    }
    const emails = Array.from({ length: 200 }, (_, i) => `'USER${i * 37}@example.com'`).join(',');
    const q = await s.query(`SELECT Id, Email FROM Lead WHERE Email IN (${emails})`);
    expect(q.body.totalSize).toBe(200);
    expect(s.sim.state.records('Lead')).toHaveLength(10_000);
    expect(s.sim.state.counters()).toEqual({ total: 11, byEndpoint: { composite: 10, query: 1 } });
  });
});

describe('salesforce-sim admin API and state access', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  });

  it('seeds and lists records over HTTP, including system fields', async () => {
    const seeded = await call<{ id: string }>(`${s.sim.url}/__admin/seed/Lead`, {
      method: 'POST',
      body: {
        LastName: 'Conv',
        Company: 'C',
        IsConverted: true,
        ConvertedContactId: '0035g00000000AA',
        Email: 'c@x.com',
      },
    });
    expect(seeded.status).toBe(201);
    const many = await call<{ ids: string[] }>(`${s.sim.url}/__admin/seed/Contact`, {
      method: 'POST',
      body: [{ LastName: 'A' }, { LastName: 'B' }],
    });
    expect(many.body.ids).toHaveLength(2);
    const list = await call<Record<string, unknown>[]>(`${s.sim.url}/__admin/records/Lead`);
    expect(list.body).toEqual([
      expect.objectContaining({
        Id: seeded.body.id,
        IsConverted: true,
        ConvertedContactId: to18('0035g00000000AA'),
      }),
    ]);
    const one = await call<Record<string, unknown>>(`${s.sim.url}/__admin/records/Lead/${seeded.body.id}`);
    expect(one.body.Email).toBe('c@x.com');
    const bad = await call<{ error: string }>(`${s.sim.url}/__admin/seed/Lead`, {
      method: 'POST',
      body: { Nope: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('Nope');
  });

  it('counters, reset and expire-tokens over HTTP; admin calls are never metered', async () => {
    await s.api('GET', '/limits');
    const counters = await call<{ total: number; byEndpoint: Record<string, number> }>(
      `${s.sim.url}/__admin/counters`,
    );
    expect(counters.body).toMatchObject({ total: 1, byEndpoint: { limits: 1 } });
    s.sim.state.seed('Account', { Name: 'A' });
    expect((await call(`${s.sim.url}/__admin/reset`, { method: 'POST' })).status).toBe(200);
    expect(s.sim.state.records('Account')).toEqual([]);
    expect(s.sim.state.counters().total).toBe(0);
    expect((await call(`${s.sim.url}/__admin/expire-tokens`, { method: 'POST' })).status).toBe(200);
    const r = await s.api<ErrorItem[]>('GET', '/limits');
    expect(r.status).toBe(401);
    expect(r.body[0].errorCode).toBe('INVALID_SESSION_ID');
    s.token = await passwordToken(s.sim);
    expect((await s.api('GET', '/limits')).status).toBe(200);
  });

  it('state.seed validates objects, fields and values; state.get accepts 15-char ids', () => {
    expect(() => s.sim.state.seed('Nope', {})).toThrow(/Unknown object/);
    expect(() => s.sim.state.seed('Lead', { NumberOfEmployees: 'many' })).toThrow(/NumberOfEmployees/);
    const id = s.sim.state.seed('Lead', { LastName: 'x', Company: 'y', IsDeleted: true });
    expect(s.sim.state.get('Lead', id.slice(0, 15))).toMatchObject({ Id: id, IsDeleted: true });
    expect(s.sim.state.get('Lead', 'bad')).toBeUndefined();
  });

  it('listens on 127.0.0.1 only and honours a fixed port', async () => {
    const probe = await startSimulator();
    const { port } = new URL(probe.url);
    await probe.close();
    const fixed = await startSimulator({ port: Number(port) });
    try {
      expect(fixed.url).toBe(`http://127.0.0.1:${port}`);
      expect((await call(`${fixed.url}/services/data/`)).status).toBe(200);
    } finally {
      await fixed.close();
    }
  });
});
