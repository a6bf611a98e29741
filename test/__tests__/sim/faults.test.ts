import {
  API,
  call,
  type ErrorItem,
  type ItemResult,
  type Session,
  startSession,
  useSession,
} from './helpers';

describe('salesforce-sim fault injection', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  });

  it('latencyMs holds the answer back, so a shorter client timeout fires first', async () => {
    // Its own simulator: closing it cancels the request still held back, so nothing runs after the test.
    const slow = await startSession();
    try {
      slow.sim.state.setFaults({ latencyMs: 600_000 });
      const held = call(`${slow.sim.url}${API}/limits`, {
        headers: { authorization: `Bearer ${slow.token}` },
        signal: AbortSignal.timeout(50),
      });
      await expect(held).rejects.toMatchObject({ name: 'TimeoutError' });
      slow.sim.state.clearFaults();
      expect((await slow.api('GET', '/limits')).status).toBe(200);
    } finally {
      await slow.sim.close();
    }
  });

  it('status503: the next N calls answer 503 SERVER_UNAVAILABLE, then the API recovers', async () => {
    s.sim.state.setFaults({ status503: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', { LastName: 'x', Company: 'y' });
      expect(r.status).toBe(503);
      expect(r.body[0].errorCode).toBe('SERVER_UNAVAILABLE');
      expect(r.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
    }
    const ok = await s.api('POST', '/sobjects/Lead', { LastName: 'x', Company: 'y' });
    expect(ok.status).toBe(201);
    expect(s.sim.state.records('Lead')).toHaveLength(1);
    expect(s.sim.state.faults().status503).toBe(0);
  });

  it('status500: the next N calls answer 500 UNKNOWN_EXCEPTION without writing', async () => {
    s.sim.state.setFaults({ status500: 1 });
    const r = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', { LastName: 'x', Company: 'y' });
    expect(r.status).toBe(500);
    expect(r.body[0].errorCode).toBe('UNKNOWN_EXCEPTION');
    expect(s.sim.state.records('Lead')).toHaveLength(0);
    expect((await s.api('GET', '/limits')).status).toBe(200);
  });

  it('lockRowIds: single-record write -> 400 UNABLE_TO_LOCK_ROW; collections -> per-record error', async () => {
    const locked = s.sim.state.seed('Lead', { LastName: 'L', Company: 'C' });
    const free = s.sim.state.seed('Lead', { LastName: 'F', Company: 'C' });
    s.sim.state.setFaults({ lockRowIds: [locked.slice(0, 15)] });
    const single = await s.api<ErrorItem[]>('PATCH', `/sobjects/Lead/${locked}`, { City: 'x' });
    expect(single.status).toBe(400);
    expect(single.body).toEqual([
      {
        errorCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record',
        fields: [],
      },
    ]);
    const del = await s.api<ErrorItem[]>('DELETE', `/sobjects/Lead/${locked}`);
    expect(del.body[0].errorCode).toBe('UNABLE_TO_LOCK_ROW');
    const coll = await s.api<ItemResult[]>('PATCH', '/composite/sobjects', {
      records: [
        { attributes: { type: 'Lead' }, id: locked, City: 'x' },
        { attributes: { type: 'Lead' }, id: free, City: 'y' },
      ],
    });
    expect(coll.status).toBe(200);
    expect(coll.body[0]).toEqual({
      id: locked,
      success: false,
      errors: [
        {
          statusCode: 'UNABLE_TO_LOCK_ROW',
          message: 'unable to obtain exclusive access to this record',
          fields: [],
        },
      ],
    });
    expect(coll.body[1]).toEqual({ id: free, success: true, errors: [] });
    s.sim.state.clearFaults();
    expect((await s.api('PATCH', `/sobjects/Lead/${locked}`, { City: 'x' })).status).toBe(204);
  });

  it('lockRowEmails: creates, updates and upserts whose Email matches fail with UNABLE_TO_LOCK_ROW', async () => {
    s.sim.state.setFaults({ lockRowEmails: ['Busy@X.com'] });
    const create = await s.api<ErrorItem[]>('POST', '/sobjects/Lead', {
      LastName: 'x',
      Company: 'y',
      Email: 'busy@x.com',
    });
    expect(create.status).toBe(400);
    expect(create.body[0].errorCode).toBe('UNABLE_TO_LOCK_ROW');
    const upsert = await s.api<ItemResult[]>('PATCH', '/composite/sobjects/Lead/Email', {
      records: [
        { attributes: { type: 'Lead' }, Email: 'BUSY@x.com', LastName: 'x', Company: 'y' },
        { attributes: { type: 'Lead' }, Email: 'calm@x.com', LastName: 'x', Company: 'y' },
      ],
    });
    expect(upsert.body[0]).toMatchObject({ success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW' }] });
    expect(upsert.body[1]).toMatchObject({ success: true, created: true });
    const id = upsert.body[1].id ?? '';
    const update = await s.api<ErrorItem[]>('PATCH', `/sobjects/Lead/${id}`, { Email: 'busy@x.com' });
    expect(update.body[0].errorCode).toBe('UNABLE_TO_LOCK_ROW');
    expect(s.sim.state.records('Lead').map((l) => l.Email)).toEqual(['calm@x.com']);
  });

  it('dropConnections: the socket is destroyed without an answer, then requests work again', async () => {
    s.sim.state.setFaults({ dropConnections: 1 });
    await expect(s.api('POST', '/sobjects/Lead', { LastName: 'x', Company: 'y' })).rejects.toThrow();
    expect(s.sim.state.records('Lead')).toHaveLength(0);
    const ok = await s.api('POST', '/sobjects/Lead', { LastName: 'x', Company: 'y' });
    expect(ok.status).toBe(201);
  });

  it('malformedBodies: 200 with a body that is not JSON', async () => {
    s.sim.state.setFaults({ malformedBodies: 1 });
    const r = await s.api('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`);
    expect(r.status).toBe(200);
    expect(() => JSON.parse(r.text) as unknown).toThrow();
    const ok = await s.api('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`);
    expect(JSON.parse(ok.text)).toMatchObject({ done: true });
  });

  it('requestLimitExceeded: every REST call answers 403 REQUEST_LIMIT_EXCEEDED until cleared', async () => {
    s.sim.state.setFaults({ requestLimitExceeded: true });
    const r = await s.api<ErrorItem[]>('GET', '/limits');
    expect(r.status).toBe(403);
    expect(r.body).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(r.headers.get('retry-after')).toBeNull();
    s.sim.state.clearFaults();
    expect((await s.api('GET', '/limits')).status).toBe(200);
  });

  it('faults can be set and cleared through the admin HTTP API', async () => {
    const set = await call(`${s.sim.url}/__admin/faults`, { method: 'POST', body: { status503: 1 } });
    expect(set.status).toBe(200);
    expect((await s.api('GET', '/limits')).status).toBe(503);
    expect((await s.api('GET', '/limits')).status).toBe(200);
    await call(`${s.sim.url}/__admin/faults`, { method: 'POST', body: { requestLimitExceeded: true } });
    expect((await s.api('GET', '/limits')).status).toBe(403);
    await call(`${s.sim.url}/__admin/faults`, { method: 'DELETE' });
    expect((await s.api('GET', '/limits')).status).toBe(200);
  });
});
