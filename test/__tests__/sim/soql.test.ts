import fc from 'fast-check';
import { parseSoql, tokenize } from '../../../tools/salesforce-sim/soql';
import { HttpError } from '../../../tools/salesforce-sim/errors';
import { manualClock } from '../../../tools/salesforce-sim';
import { API, type ErrorItem, type Session, startSession, useSession } from './helpers';

/** Reference SOQL string-literal escaper following the documented escape set. */
function soqlQuote(s: string): string {
  const map: Record<string, string> = {
    '\\': '\\\\',
    "'": "\\'",
    '"': '\\"',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\b': '\\b',
    '\f': '\\f',
  };
  return `'${s.replace(/[\\'"\n\r\t\b\f]/g, (c) => map[c])}'`;
}

function errorOf(fn: () => unknown): { status: number; errorCode: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) {
      const [first] = e.body as ErrorItem[];
      return { status: e.status, errorCode: first.errorCode, message: first.message };
    }
    throw e;
  }
  throw new Error('expected an error');
}

describe('SOQL tokenizer and parser (unit)', () => {
  it('decodes every documented escape, upper-case variants and \\uXXXX', () => {
    const q = parseSoql(
      String.raw`SELECT Id FROM Lead WHERE LastName = 'a\\b\'c\"d\ne\Nf\rg\Rh\ti\Tj\bk\Bl\fm\Fn\u00e9o'`,
    );
    expect(q.where).toMatchObject({
      kind: 'cmp',
      value: { kind: 'string', value: 'a\\b\'c"d\ne\nf\rg\rh\ti\tj\bk\bl\fm\fn\u00e9o' },
    });
  });

  it('any other backslash escape, a bad \\u sequence, double quotes or an open string is MALFORMED_QUERY', () => {
    for (const bad of [
      String.raw`SELECT Id FROM Lead WHERE LastName = 'a\x'`,
      String.raw`SELECT Id FROM Lead WHERE LastName = 'a\u12'`,
      String.raw`SELECT Id FROM Lead WHERE LastName = 'a\U0041'`,
      `SELECT Id FROM Lead WHERE LastName = "a"`,
      `SELECT Id FROM Lead WHERE LastName = 'open`,
      String.raw`SELECT Id FROM Lead WHERE LastName = 'trailing\'`,
    ]) {
      expect(errorOf(() => parseSoql(bad))).toMatchObject({ status: 400, errorCode: 'MALFORMED_QUERY' });
    }
  });

  it('rejects structural errors with a located MALFORMED_QUERY message', () => {
    for (const bad of [
      'SELECT FROM Lead',
      'SELECT Id Lead',
      'SELECT Id FROM Lead WHERE',
      'SELECT Id FROM Lead WHERE Email = ',
      'SELECT Id FROM Lead WHERE Email IN ()',
      "SELECT Id FROM Lead WHERE Email IN ('a' 'b')",
      "SELECT Id FROM Lead WHERE (Email = 'a'",
      "SELECT Id FROM Lead WHERE Email = 'a' AND LastName = 'b' OR City = 'c'",
      'SELECT Id FROM Lead LIMIT -1',
      'SELECT Id FROM Lead garbage',
      'SELECT Id, FROM Lead',
    ]) {
      const e = errorOf(() => parseSoql(bad));
      expect(e.errorCode).toBe('MALFORMED_QUERY');
      expect(e.message).toMatch(/ERROR at Row:\d+:Column:\d+/);
    }
  });

  it('parses precedence via parentheses, NOT, IN / NOT IN, LIKE, ORDER BY, LIMIT, OFFSET', () => {
    const q = parseSoql(
      "select Id, Email from Lead where (Email in ('a@x.com', 'b@x.com') or NOT City = 'x') and Status not in ('Closed') and LastName like 'O\\'%' order by LastName desc nulls last, Id limit 10 offset 5",
    );
    expect(q.fields.map((f) => f.name)).toEqual(['Id', 'Email']);
    expect(q.where?.kind).toBe('and');
    expect(q.orderBy).toEqual([
      expect.objectContaining({ desc: true, nullsLast: true }),
      expect.objectContaining({ desc: false, nullsLast: false }),
    ]);
    expect(q.limit).toBe(10);
    expect(q.offset).toBe(5);
  });

  it('property: the documented escaper round-trips any string through the tokenizer', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const tokens = tokenize(`SELECT Id FROM Lead WHERE LastName = ${soqlQuote(s)}`);
        const lit = tokens.find((t) => t.kind === 'string');
        return lit !== undefined && lit.kind === 'string' && lit.value === s && !lit.likeOnly;
      }),
      { numRuns: 500 },
    );
  });
});

describe('salesforce-sim query endpoint', () => {
  let s: Session;
  useSession(
    (started) => {
      s = started;
    },
    { customFields: { Lead: { Score__c: 'double' } } },
  );

  const ids = (records: Record<string, unknown>[]): unknown[] => records.map((r) => r.Id);

  it('returns {totalSize, done, records[{attributes, ...selected fields}]} with canonical field names', async () => {
    const id = s.sim.state.seed('Lead', { LastName: 'Doe', Company: 'Acme', Email: 'd@x.com' });
    const r = await s.query('select id, EMAIL, isconverted from lead');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'Lead', url: `${API}/sobjects/Lead/${id}` },
          Id: id,
          Email: 'd@x.com',
          IsConverted: false,
        },
      ],
    });
    expect(s.sim.state.counters().byEndpoint.query).toBe(1);
  });

  it('string =, != and IN are case-insensitive (email matching)', async () => {
    const a = s.sim.state.seed('Lead', { LastName: 'A', Company: 'C', Email: 'Alice@Example.com' });
    const b = s.sim.state.seed('Lead', { LastName: 'B', Company: 'C', Email: 'bob@example.com' });
    expect(
      ids((await s.query("SELECT Id FROM Lead WHERE Email = 'ALICE@example.COM'")).body.records),
    ).toEqual([a]);
    expect(
      ids(
        (
          await s.query(
            "SELECT Id FROM Lead WHERE Email IN ('x@y.z', 'BOB@EXAMPLE.COM', 'alice@example.com')",
          )
        ).body.records,
      ),
    ).toEqual([a, b]);
    expect(
      ids((await s.query("SELECT Id FROM Lead WHERE Email NOT IN ('BOB@example.com')")).body.records),
    ).toEqual([a]);
    expect(
      ids((await s.query("SELECT Id FROM Lead WHERE Email != 'alice@EXAMPLE.com'")).body.records),
    ).toEqual([b]);
  });

  it('AND / OR / NOT with parentheses', async () => {
    const a = s.sim.state.seed('Lead', {
      LastName: 'A',
      Company: 'C1',
      City: 'Paris',
      Status: 'Working - Contacted',
    });
    const b = s.sim.state.seed('Lead', { LastName: 'B', Company: 'C2', City: 'Rome' });
    const c = s.sim.state.seed('Lead', { LastName: 'C', Company: 'C1', City: 'Rome' });
    const q = async (where: string): Promise<unknown[]> =>
      ids((await s.query(`SELECT Id FROM Lead WHERE ${where}`)).body.records);
    expect(await q("Company = 'C1' AND City = 'Rome'")).toEqual([c]);
    expect(await q("City = 'Paris' OR LastName = 'B'")).toEqual([a, b]);
    expect(await q("Company = 'C1' AND (City = 'Paris' OR City = 'Rome')")).toEqual([a, c]);
    expect(await q("(Company = 'C2' OR City = 'Paris') AND NOT LastName = 'A'")).toEqual([b]);
    expect(await q("NOT (Company = 'C1')")).toEqual([b]);
    expect(await q("Status = 'Open - Not Contacted' AND IsConverted = false")).toEqual([b, c]);
  });

  it('hostile strings: quotes, backslashes, newlines, unicode, LIKE wildcards', async () => {
    const values = [
      "O'Brien",
      'back\\slash',
      'line1\nline2',
      'tab\there',
      'Zoë – 日本 🚀',
      'quote"d',
      "x' OR Id != '",
    ];
    const created = values.map((v) => s.sim.state.seed('Lead', { LastName: v, Company: 'C' }));
    for (const [i, v] of values.entries()) {
      const r = await s.query(`SELECT Id, LastName FROM Lead WHERE LastName = ${soqlQuote(v)}`);
      expect(r.status).toBe(200);
      expect(r.body.records).toEqual([expect.objectContaining({ Id: created[i], LastName: v })]);
    }
    const unicode = await s.query(String.raw`SELECT Id FROM Lead WHERE LastName = 'Zo\u00eb – 日本 🚀'`);
    expect(ids(unicode.body.records)).toEqual([created[4]]);
    const pct = s.sim.state.seed('Lead', { LastName: '100%_sure', Company: 'C' });
    s.sim.state.seed('Lead', { LastName: '100 x sure', Company: 'C' });
    expect(
      ids((await s.query(String.raw`SELECT Id FROM Lead WHERE LastName LIKE '100\%\_%'`)).body.records),
    ).toEqual([pct]);
    expect((await s.query("SELECT Id FROM Lead WHERE LastName LIKE '100%sure'")).body.totalSize).toBe(2);
    // SQL-style doubled quotes are not a SOQL escape: the literal ends early and the query is malformed.
    const doubled = await s.query("SELECT Id FROM Lead WHERE LastName LIKE 'o''%'");
    expect(doubled.status).toBe(400);
    expect((doubled.body as unknown as ErrorItem[])[0].errorCode).toBe('MALFORMED_QUERY');
    expect(
      ids((await s.query(String.raw`SELECT Id FROM Lead WHERE LastName LIKE 'o\'b%'`)).body.records),
    ).toEqual([created[0]]);
    const bad = await s.query<ErrorItem>(String.raw`SELECT Id FROM Lead WHERE LastName = 'a\_b'`);
    expect(bad.status).toBe(400);
  });

  it('property: any seeded LastName is found again with the documented escaping', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((x) => x.trim() !== ''),
        async (v) => {
          s.sim.state.reset();
          const id = s.sim.state.seed('Lead', { LastName: v, Company: 'C' });
          const r = await s.query(`SELECT Id FROM Lead WHERE LastName = ${soqlQuote(v)}`);
          return r.status === 200 && r.body.records.length === 1 && r.body.records[0].Id === id;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('errors: MALFORMED_QUERY, INVALID_FIELD (No such column), INVALID_TYPE, literal type mismatch', async () => {
    const malformed = await s.query<ErrorItem>('SELECT Id FROM Lead WHERE Email = "x"');
    expect(malformed.status).toBe(400);
    expect((malformed.body as unknown as ErrorItem[])[0].errorCode).toBe('MALFORMED_QUERY');
    const badEscape = await s.query(String.raw`SELECT Id FROM Lead WHERE Email = 'a\qb'`);
    expect((badEscape.body as unknown as ErrorItem[])[0].errorCode).toBe('MALFORMED_QUERY');
    const field = await s.query('SELECT Id, Nope__c FROM Lead');
    expect(field.status).toBe(400);
    const fieldErr = (field.body as unknown as ErrorItem[])[0];
    expect(fieldErr.errorCode).toBe('INVALID_FIELD');
    expect(fieldErr.message).toContain("No such column 'Nope__c' on entity 'Lead'");
    const whereField = await s.query("SELECT Id FROM Lead WHERE Emial = 'x'");
    expect((whereField.body as unknown as ErrorItem[])[0].errorCode).toBe('INVALID_FIELD');
    const type = await s.query('SELECT Id FROM Leads');
    expect((type.body as unknown as ErrorItem[])[0]).toMatchObject({ errorCode: 'INVALID_TYPE' });
    const numeric = await s.query('SELECT Id FROM Lead WHERE Phone = 5551234');
    expect((numeric.body as unknown as ErrorItem[])[0].errorCode).toBe('INVALID_FIELD');
    expect((numeric.body as unknown as ErrorItem[])[0].message).toContain('must be of type string');
    const missing = await s.api<ErrorItem[]>('GET', '/query');
    expect(missing.body[0].errorCode).toBe('MALFORMED_QUERY');
  });

  it('IsDeleted rows are excluded from query and included by queryAll', async () => {
    const live = s.sim.state.seed('Lead', { LastName: 'Live', Company: 'C' });
    const gone = s.sim.state.seed('Lead', { LastName: 'Gone', Company: 'C', IsDeleted: true });
    expect(ids((await s.query('SELECT Id FROM Lead')).body.records)).toEqual([live]);
    const all = await s.api<{ records: Record<string, unknown>[] }>(
      'GET',
      `/queryAll?q=${encodeURIComponent('SELECT Id, IsDeleted FROM Lead')}`,
    );
    expect(ids(all.body.records)).toEqual([live, gone]);
  });

  it('ORDER BY, LIMIT, OFFSET, numbers, booleans, null, dates, ids and COUNT()', async () => {
    const a = s.sim.state.seed('Lead', { LastName: 'b', Company: 'C', NumberOfEmployees: 50, Score__c: 1.5 });
    const b = s.sim.state.seed('Lead', { LastName: 'A', Company: 'C', NumberOfEmployees: 5 });
    const c = s.sim.state.seed('Lead', {
      LastName: 'c',
      Company: 'C',
      Email: 'c@x.com',
      CreatedDate: '2020-01-01T00:00:00Z',
    });
    const q = async (soql: string): Promise<unknown[]> => ids((await s.query(soql)).body.records);
    expect(await q('SELECT Id FROM Lead ORDER BY LastName')).toEqual([b, a, c]);
    expect(await q('SELECT Id FROM Lead ORDER BY LastName DESC LIMIT 2')).toEqual([c, a]);
    expect(await q('SELECT Id FROM Lead ORDER BY LastName LIMIT 1 OFFSET 1')).toEqual([a]);
    expect(await q('SELECT Id FROM Lead WHERE NumberOfEmployees > 10')).toEqual([a]);
    expect(await q('SELECT Id FROM Lead WHERE Score__c >= 1.5')).toEqual([a]);
    expect(await q('SELECT Id FROM Lead WHERE Email = null')).toEqual([a, b]);
    expect(await q('SELECT Id FROM Lead WHERE Email != null')).toEqual([c]);
    expect(await q('SELECT Id FROM Lead WHERE CreatedDate < 2021-01-01T00:00:00Z')).toEqual([c]);
    expect(await q(`SELECT Id FROM Lead WHERE Id = '${a.slice(0, 15)}'`)).toEqual([a]);
    expect(await q(`SELECT Id FROM Lead WHERE Id IN ('${a}', '${c.toLowerCase()}')`)).toEqual([a, c]);
    const count = await s.query('SELECT COUNT() FROM Lead');
    expect(count.body).toEqual({ totalSize: 3, done: true, records: [] });
  });

  it('paginates at 2000 with nextRecordsUrl and GET query/<locator>', async () => {
    for (let i = 0; i < 2500; i++) s.sim.state.seed('Lead', { LastName: `L${i}`, Company: 'C' });
    const first = await s.query('SELECT Id FROM Lead');
    expect(first.body.totalSize).toBe(2500);
    expect(first.body.done).toBe(false);
    expect(first.body.records).toHaveLength(2000);
    expect(first.body.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-2000$/);
    const second = await s.api<{ done: boolean; records: unknown[]; nextRecordsUrl?: string }>(
      'GET',
      first.body.nextRecordsUrl ?? '',
    );
    expect(second.status).toBe(200);
    expect(second.body.done).toBe(true);
    expect(second.body.records).toHaveLength(500);
    expect(second.body.nextRecordsUrl).toBeUndefined();
    const small = await s.api<{ records: unknown[] }>(
      'GET',
      `/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`,
      undefined,
      {
        'Sforce-Query-Options': 'batchSize=200',
      },
    );
    expect(small.body.records).toHaveLength(200);
    const badLocator = await s.api<ErrorItem[]>('GET', '/query/01gNOPE-2000');
    expect(badLocator.status).toBe(400);
    expect(s.sim.state.counters().byEndpoint.query).toBe(4);
  });
});

describe('salesforce-sim parameterizedSearch', () => {
  let s: Session;
  useSession(
    (started) => {
      s = started;
    },
    { searchIndexLagMs: 0 },
  );

  it('matches string fields containing the term, returns the requested fields, skips deleted rows', async () => {
    const live = s.sim.state.seed('Lead', { LastName: 'A', Company: 'C', Email: 'Match@Example.com' });
    s.sim.state.seed('Lead', { LastName: 'B', Company: 'C', Email: 'match@example.com', IsDeleted: true });
    s.sim.state.seed('Lead', { LastName: 'C', Company: 'C', Email: 'other@example.com' });
    const contact = s.sim.state.seed('Contact', { LastName: 'match@example.com fan' });
    const r = await s.api<{ searchRecords: Record<string, unknown>[] }>(
      'GET',
      `/parameterizedSearch/?q=${encodeURIComponent('match@example.com')}&sobject=Lead&Lead.fields=id,IsConverted,ConvertedContactId,IsDeleted&in=EMAIL`,
    );
    expect(r.status).toBe(200);
    expect(r.body.searchRecords).toEqual([
      {
        attributes: { type: 'Lead', url: `${API}/sobjects/Lead/${live}` },
        Id: live,
        IsConverted: false,
        ConvertedContactId: null,
        IsDeleted: false,
      },
    ]);
    const everywhere = await s.api<{ searchRecords: Record<string, unknown>[] }>(
      'GET',
      `/parameterizedSearch/?q=match`,
    );
    expect(everywhere.body.searchRecords.map((x) => x.Id)).toEqual([live, contact]);
    expect(s.sim.state.counters().byEndpoint.search).toBe(2);
  });

  it('simulates index lag when configured: a row becomes searchable once the lag has passed', async () => {
    const clock = manualClock();
    const lagged = await startSession({ searchIndexLagMs: 60_000, now: clock.now });
    try {
      await lagged.api('POST', '/sobjects/Lead', { LastName: 'Fresh', Company: 'C', Email: 'fresh@x.com' });
      const search = (): ReturnType<typeof lagged.api<{ searchRecords: unknown[] }>> =>
        lagged.api<{ searchRecords: unknown[] }>('GET', '/parameterizedSearch/?q=fresh@x.com&sobject=Lead');
      expect((await search()).body.searchRecords).toEqual([]);
      const soql = await lagged.query("SELECT Id FROM Lead WHERE Email = 'fresh@x.com'");
      expect(soql.body.totalSize).toBe(1);
      clock.advance(59_999);
      expect((await search()).body.searchRecords).toEqual([]);
      clock.advance(1);
      expect((await search()).body.searchRecords).toHaveLength(1);
    } finally {
      await lagged.sim.close();
    }
  });
});
