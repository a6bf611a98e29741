import { API, type ItemResult, type Session, useSession } from './helpers';

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string | null;
}
type CompositeBody = { compositeResponse: SubResponse[] };

describe('salesforce-sim Composite', () => {
  let s: Session;
  useSession((started) => {
    s = started;
  });

  it('runs mixed subrequests with @{ref} references and counts as ONE api call', async () => {
    const existing = s.sim.state.seed('Lead', { LastName: 'Q', Company: 'C', Email: 'q@x.com' });
    const r = await s.api<CompositeBody>('POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: `${API}/sobjects/Account`, referenceId: 'acct', body: { Name: 'Acme' } },
        {
          method: 'POST',
          url: `${API}/sobjects/Contact`,
          referenceId: 'contact',
          body: { LastName: 'Z', AccountId: '@{acct.id}' },
        },
        {
          method: 'GET',
          url: `${API}/query?q=SELECT+Id,Email+FROM+Lead+WHERE+Email='Q@X.COM'`,
          referenceId: 'lookup',
        },
        {
          method: 'PATCH',
          url: `${API}/sobjects/Lead/@{lookup.records[0].Id}`,
          referenceId: 'upd',
          body: { City: 'Rome' },
        },
        {
          method: 'POST',
          url: `${API}/composite/sobjects`,
          referenceId: 'coll',
          body: { records: [{ attributes: { type: 'Lead' }, LastName: 'L', Company: 'C' }] },
        },
        {
          method: 'GET',
          url: `${API}/sobjects/Contact/@{contact.id}?fields=AccountId`,
          referenceId: 'readback',
        },
      ],
    });
    expect(r.status).toBe(200);
    const [acct, contact, lookup, upd, coll, readback] = r.body.compositeResponse;
    expect(acct).toEqual({
      body: { id: expect.stringMatching(/^001/), success: true, errors: [] },
      httpHeaders: { Location: expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Account\/001/) },
      httpStatusCode: 201,
      referenceId: 'acct',
    });
    expect(contact.httpStatusCode).toBe(201);
    expect(lookup).toMatchObject({ httpStatusCode: 200, httpHeaders: {}, body: { totalSize: 1 } });
    expect(upd).toEqual({ body: null, httpHeaders: {}, httpStatusCode: 204, referenceId: 'upd' });
    expect(coll.httpStatusCode).toBe(200);
    expect((coll.body as ItemResult[])[0].success).toBe(true);
    expect((readback.body as Record<string, unknown>).AccountId).toBe((acct.body as { id: string }).id);
    expect(s.sim.state.get('Lead', existing)?.City).toBe('Rome');
    expect(s.sim.state.counters()).toEqual({ total: 1, byEndpoint: { composite: 1 } });
    expect(r.headers.get('sforce-limit-info')).toBe('api-usage=1/100000');
  });

  it('allOrNone=false: a failed subrequest does not stop independent ones; dependents are PROCESSING_HALTED', async () => {
    const r = await s.api<CompositeBody>('POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: `${API}/sobjects/Account`, referenceId: 'bad', body: {} },
        {
          method: 'POST',
          url: `${API}/sobjects/Contact`,
          referenceId: 'dep',
          body: { LastName: 'x', AccountId: '@{bad.id}' },
        },
        {
          method: 'POST',
          url: `${API}/sobjects/Lead`,
          referenceId: 'indep',
          body: { LastName: 'x', Company: 'y' },
        },
      ],
    });
    const [bad, dep, indep] = r.body.compositeResponse;
    expect(bad).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'REQUIRED_FIELD_MISSING' }] });
    expect(dep).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'PROCESSING_HALTED' }] });
    expect(indep.httpStatusCode).toBe(201);
    expect(s.sim.state.records('Lead')).toHaveLength(1);
    expect(s.sim.state.records('Contact')).toHaveLength(0);
  });

  it('allOrNone=true: any failure rolls back every subrequest; others report 400 PROCESSING_HALTED', async () => {
    const r = await s.api<CompositeBody>('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: `${API}/sobjects/Lead`,
          referenceId: 'ok1',
          body: { LastName: 'a', Company: 'b' },
        },
        {
          method: 'POST',
          url: `${API}/composite/sobjects`,
          referenceId: 'coll',
          body: {
            allOrNone: false,
            records: [
              { attributes: { type: 'Lead' }, LastName: 'c', Company: 'd' },
              { attributes: { type: 'Lead' }, LastName: 'e' },
            ],
          },
        },
        {
          method: 'POST',
          url: `${API}/sobjects/Lead`,
          referenceId: 'after',
          body: { LastName: 'f', Company: 'g' },
        },
      ],
    });
    expect(r.status).toBe(200);
    const [ok1, coll, after] = r.body.compositeResponse;
    expect(ok1).toMatchObject({
      httpStatusCode: 400,
      referenceId: 'ok1',
      body: [{ errorCode: 'PROCESSING_HALTED' }],
    });
    // composite allOrNone forces all-or-none on the nested Collections call
    const items = coll.body as ItemResult[];
    expect(items[0].errors[0].statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(items[1].errors[0].statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect(after).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'PROCESSING_HALTED' }] });
    expect(s.sim.state.records('Lead')).toEqual([]);
  });

  it('more than 25 subrequests -> 400', async () => {
    const compositeRequest = Array.from({ length: 26 }, (_, i) => ({
      method: 'GET',
      url: `${API}/limits`,
      referenceId: `r${i}`,
    }));
    const r = await s.api<CompositeBody>('POST', '/composite', { compositeRequest });
    expect(r.status).toBe(400);
    expect(r.body.compositeResponse[0].body).toEqual([
      { errorCode: 'LIMIT_EXCEEDED', message: 'The request can’t contain more than 25 operations.' },
    ]);
    const ok = await s.api<CompositeBody>('POST', '/composite', {
      compositeRequest: compositeRequest.slice(0, 25),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.compositeResponse).toHaveLength(25);
  });

  it('more than 5 Collections/query subrequests -> 400 and nothing runs; 5 are fine', async () => {
    const heavy = (i: number): Record<string, unknown> =>
      i % 2 === 0
        ? { method: 'GET', url: `${API}/query?q=SELECT+Id+FROM+Lead`, referenceId: `q${i}` }
        : {
            method: 'POST',
            url: `${API}/composite/sobjects`,
            referenceId: `c${i}`,
            body: { records: [{ attributes: { type: 'Lead' }, LastName: 'x', Company: 'y' }] },
          };
    const light = { method: 'GET', url: `${API}/limits`, referenceId: 'light' };
    const six = await s.api<CompositeBody>('POST', '/composite', {
      compositeRequest: [light, ...[0, 1, 2, 3, 4, 5].map(heavy)],
    });
    expect(six.status).toBe(400);
    expect(six.body.compositeResponse[0].body).toEqual([
      expect.objectContaining({ errorCode: 'LIMIT_EXCEEDED' }),
    ]);
    expect(s.sim.state.records('Lead')).toHaveLength(0);
    const five = await s.api<CompositeBody>('POST', '/composite', {
      compositeRequest: [light, ...[0, 1, 2, 3, 4].map(heavy)],
    });
    expect(five.status).toBe(200);
    expect(s.sim.state.records('Lead')).toHaveLength(2);
  });

  it('validates subrequests: method case, URL prefix, referenceId, forbidden headers', async () => {
    const bad = [
      { method: 'post', url: `${API}/sobjects/Lead`, referenceId: 'a', body: {} },
      { method: 'GET', url: '/services/foo/limits', referenceId: 'a' },
      { method: 'GET', url: `${API}/limits`, referenceId: 'bad-ref' },
      { method: 'GET', url: `${API}/limits`, referenceId: 'a', httpHeaders: { Authorization: 'Bearer x' } },
    ];
    for (const sub of bad) {
      const r = await s.api('POST', '/composite', { compositeRequest: [sub] });
      expect(r.status).toBe(400);
    }
    const dupRef = await s.api('POST', '/composite', {
      compositeRequest: [
        { method: 'GET', url: `${API}/limits`, referenceId: 'a' },
        { method: 'GET', url: `${API}/limits`, referenceId: 'a' },
      ],
    });
    expect(dupRef.status).toBe(400);
  });

  it('subrequest errors use the single-record error array as body; unknown resources are 404', async () => {
    const r = await s.api<CompositeBody>('POST', '/composite', {
      compositeRequest: [
        { method: 'PATCH', url: `${API}/sobjects/Lead/garbage`, referenceId: 'a', body: { City: 'x' } },
        { method: 'GET', url: `${API}/nothing/here`, referenceId: 'b' },
        { method: 'GET', url: '/services/data/v12.0/limits', referenceId: 'c' },
      ],
    });
    const [a, b, c] = r.body.compositeResponse;
    expect(a).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'MALFORMED_ID', fields: ['Id'] }] });
    expect(b).toMatchObject({ httpStatusCode: 404, body: [{ errorCode: 'NOT_FOUND' }] });
    expect(c.httpStatusCode).toBe(404);
  });
});
