/**
 * The HTTP client (src/v0/destinations/salesforce/client.ts) against nock: logins in the form body (W13), one login
 * for concurrent callers, token errors without secrets, W12 fixed, SOQL paging, session refresh, and the
 * classification of query failures.
 */
import nock from 'nock';
import { AbortedError, BaseError, RetryableError, ThrottledError } from '../../../src/framework/errors';
import type { ApiCallEvent } from '../../../src/framework/telemetry';
import type { Destination, Metadata } from '../../../src/framework/types';
import type { TokenCache } from '../../../src/v0/destinations/salesforce/auth';
import type { SalesforceClient, SessionContext } from '../../../src/v0/destinations/salesforce/client';
import { createRuntime, type SalesforceRuntime } from '../../../src/v0/destinations/salesforce/runtime';
import { manualClock, type ManualClock } from '../helpers/clock';

const LOGIN = 'https://login.salesforce.com';
const TOKEN_PATH = '/services/oauth2/token';
const INSTANCE = 'https://na1.my.salesforce.com';
const QUERY_PATH = '/services/data/v62.0/query';

const PASSWORD = 'p@ss&word=1';
const SECURITY_TOKEN = 'SECTOKEN';
const CLIENT_SECRET = 'client-secret-value';

const CONFIG = {
  userName: 'user+tag@example.com',
  password: PASSWORD,
  initialAccessToken: SECURITY_TOKEN,
  clientId: 'client-id-value',
  clientSecret: CLIENT_SECRET,
};

const EXPECTED_FORM = {
  grant_type: 'password',
  client_id: 'client-id-value',
  client_secret: CLIENT_SECRET,
  username: 'user+tag@example.com',
  password: `${PASSWORD}${SECURITY_TOKEN}`,
};

const tokenBody = (accessToken: string) => ({
  access_token: accessToken,
  instance_url: INSTANCE,
  id: 'https://login.salesforce.com/id/00D/005',
  token_type: 'Bearer',
  issued_at: '1700000000000',
  signature: 'sig',
});

function context(metadata?: Metadata, name = 'SALESFORCE'): SessionContext {
  const destination: Destination = {
    ID: 'dest-1',
    Config: { ...CONFIG },
    DestinationDefinition: { Name: name },
  };
  return { destination, metadata, config: runtime.config(destination) };
}

const SOQL = "SELECT Id, Email FROM Lead WHERE Email = 'o\\'brien@example.com'";
const sessionExpired = [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }];

async function rejection(promise: Promise<unknown>): Promise<BaseError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BaseError);
    return error as BaseError;
  }
  throw new Error('expected a rejection');
}

let runtime: SalesforceRuntime;
let client: SalesforceClient;
let cache: TokenCache;
let clock: ManualClock;
beforeEach(() => {
  clock = manualClock();
  runtime = createRuntime({ env: {}, clock: clock.now });
  client = runtime.client;
  cache = runtime.tokens;
});

describe('authorize (password grant)', () => {
  it('posts the token form in the body, never in the URL', async () => {
    const seen: { uri: string; body: string }[] = [];
    nock(LOGIN)
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .post(TOKEN_PATH, EXPECTED_FORM)
      .reply(function reply(uri, body) {
        seen.push({ uri, body: typeof body === 'string' ? body : JSON.stringify(body) });
        return [200, tokenBody('AT-1')];
      });
    const auth = await client.authorize(context());
    expect(auth).toMatchObject({ flow: 'password', accessToken: 'AT-1', instanceUrl: INSTANCE });
    expect(auth.cacheKey).toMatch(/^dest-1:/);
    expect(seen).toHaveLength(1);
    const [{ uri, body }] = seen;
    expect(uri).toBe(TOKEN_PATH);
    expect(uri).not.toContain('?');
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), SECURITY_TOKEN, CLIENT_SECRET]) {
      expect(uri).not.toContain(secret);
    }
    // The body is a proper form: special characters of the password survive encoding.
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual(EXPECTED_FORM);
  });

  it('makes one login for concurrent callers', async () => {
    nock(LOGIN).post(TOKEN_PATH, EXPECTED_FORM).once().delay(20).reply(200, tokenBody('AT-1'));
    const ctx = context();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.authorize(ctx)));
    for (const r of results) expect(r).toBe(results[0]);
    expect(results[0].accessToken).toBe('AT-1');
    // A later call is served from the cache: no second login mock exists.
    await expect(client.authorize(ctx)).resolves.toBe(results[0]);
  });

  it('turns invalid_grant into an AbortedError that does not leak the password', async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .reply(400, { error: 'invalid_grant', error_description: 'authentication failure' });
    const error = await rejection(client.authorize(context()));
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.status).toBe(400);
    expect(error.statTags).toEqual({ errorCategory: 'network', errorType: 'aborted' });
    expect(error.message).toBe(
      'Salesforce Request Failed: "400" due to "authentication failure", (Aborted) :- authentication failed during fetching access token.',
    );
    const everything = `${error.message} ${JSON.stringify(error.destinationResponse)}`;
    for (const secret of [PASSWORD, SECURITY_TOKEN, CLIENT_SECRET]) expect(everything).not.toContain(secret);
    expect(cache.size).toBe(0);
  });

  it("aborts on the login's own 401 instead of asking for a refresh", async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .reply(401, { error: 'invalid_client', error_description: 'invalid client credentials' });
    const error = await rejection(client.authorize(context()));
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.status).toBe(400);
    expect(error.authErrorCategory).toBe('');
    // The message tells what Salesforce said and what happens to the job, like every other aborted login.
    expect(error.message).toContain('invalid client credentials');
    expect(error.message).toContain('(Aborted)');
    expect(error.message).not.toContain('(Retryable)');
    expect(error.message).not.toContain('INVALID_SESSION_ID');
    expect(error.message).toContain(':- authentication failed during fetching access token.');
  });

  it('retries a 2xx token response without access_token, and does not cache it (W12 fixed)', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, { instance_url: INSTANCE, token_type: 'Bearer' });
    const error = await rejection(client.authorize(context()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.message).toContain('access_token');
    expect(cache.size).toBe(0);

    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-2'));
    await expect(client.authorize(context())).resolves.toMatchObject({ accessToken: 'AT-2' });
  });

  it('retries a 2xx token response without a usable instance_url', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, { access_token: 'AT', instance_url: 'not a url' });
    expect(await rejection(client.authorize(context()))).toBeInstanceOf(RetryableError);
  });

  it('throttles a login refused for the API limit', async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .reply(403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }]);
    const error = await rejection(client.authorize(context()));
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.status).toBe(429);
  });

  it('uses the host token from metadata.secret without logging in', async () => {
    const auth = await client.authorize(
      context({ secret: { access_token: 'HOST-AT', instance_url: `${INSTANCE}/` } }, 'SALESFORCE_OAUTH'),
    );
    expect(auth).toEqual({ flow: 'oauth', accessToken: 'HOST-AT', instanceUrl: INSTANCE });
  });
});

describe('query', () => {
  const records = (...ids: string[]) =>
    ids.map((Id) => ({ attributes: { type: 'Lead' }, Id, Email: `${Id}@x.com` }));

  it('runs the encoded SOQL with the session and follows nextRecordsUrl', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer AT-1' } })
      .get(QUERY_PATH)
      .query({ q: SOQL })
      .reply(200, {
        totalSize: 3,
        done: false,
        nextRecordsUrl: '/services/data/v62.0/query/01gD0000002HU6KIAW-2000',
        records: records('00Q1', '00Q2'),
      })
      .get('/services/data/v62.0/query/01gD0000002HU6KIAW-2000')
      .reply(200, { totalSize: 3, done: true, records: records('00Q3') });
    const result = await client.query(context(), SOQL, ':- during Lead Query');
    expect(result.map((r) => r.Id)).toEqual(['00Q1', '00Q2', '00Q3']);
    expect(result[0]).toMatchObject({ Id: '00Q1', Email: '00Q1@x.com' });
  });

  it('returns no records for an empty answer', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE).get(QUERY_PATH).query({ q: SOQL }).reply(200, { totalSize: 0, done: true, records: [] });
    await expect(client.query(context(), SOQL, '')).resolves.toEqual([]);
  });

  it('on 401 INVALID_SESSION_ID with the password grant: evicts, logs in again and retries once', async () => {
    const login = nock(LOGIN)
      .post(TOKEN_PATH, EXPECTED_FORM)
      .reply(200, tokenBody('AT-OLD'))
      .post(TOKEN_PATH, EXPECTED_FORM)
      .reply(200, tokenBody('AT-NEW'));
    const first = nock(INSTANCE, { reqheaders: { authorization: 'Bearer AT-OLD' } })
      .get(QUERY_PATH)
      .query({ q: SOQL })
      .reply(401, sessionExpired);
    const second = nock(INSTANCE, { reqheaders: { authorization: 'Bearer AT-NEW' } })
      .get(QUERY_PATH)
      .query({ q: SOQL })
      .reply(200, { totalSize: 1, done: true, records: records('00Q1') });
    const ctx = context();
    const result = await client.query(ctx, SOQL, ':- during Lead Query');
    expect(result.map((r) => r.Id)).toEqual(['00Q1']);
    expect(login.isDone()).toBe(true);
    expect(first.isDone()).toBe(true);
    expect(second.isDone()).toBe(true);
    // The new session is the cached one.
    await expect(client.authorize(ctx)).resolves.toMatchObject({ accessToken: 'AT-NEW' });
  });

  it('concurrent queries that all see the session expire share one new login', async () => {
    const queries = 5;
    const login = nock(LOGIN)
      .post(TOKEN_PATH)
      .once()
      .reply(200, tokenBody('AT-OLD'))
      .post(TOKEN_PATH)
      .once()
      .delay(20)
      .reply(200, tokenBody('AT-NEW'));
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer AT-OLD' } })
      .get(QUERY_PATH)
      .query(true)
      .times(queries)
      .reply(401, sessionExpired);
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer AT-NEW' } })
      .get(QUERY_PATH)
      .query(true)
      .times(queries)
      .reply(200, { totalSize: 0, done: true, records: [] });
    const ctx = context();
    await client.authorize(ctx);
    const results = await Promise.all(
      Array.from({ length: queries }, (_, i) => client.query(ctx, `${SOQL} LIMIT ${i + 1}`, '')),
    );
    expect(results).toEqual(Array.from({ length: queries }, () => []));
    expect(login.isDone()).toBe(true);
    await expect(client.authorize(ctx)).resolves.toMatchObject({ accessToken: 'AT-NEW' });
  });

  it('gives up after one refresh: a second 401 is a RetryableError without an auth category, and the token is dropped', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1')).post(TOKEN_PATH).reply(200, tokenBody('AT-2'));
    nock(INSTANCE).get(QUERY_PATH).query({ q: SOQL }).twice().reply(401, sessionExpired);
    const error = await rejection(client.query(context(), SOQL, ':- during Lead Query'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('');
    expect(error.message).toBe(
      'Salesforce Request Failed - due to "INVALID_SESSION_ID", (Retryable) :- during Lead Query',
    );
    expect(cache.size).toBe(0);
  });

  it('with the host OAuth token: a 401 is a RetryableError with REFRESH_TOKEN, and no login', async () => {
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer HOST-AT' } })
      .get(QUERY_PATH)
      .query({ q: SOQL })
      .reply(401, sessionExpired);
    const ctx = context({ secret: { access_token: 'HOST-AT', instance_url: INSTANCE } }, 'SALESFORCE_OAUTH');
    const error = await rejection(client.query(ctx, SOQL, ':- during Lead Query'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
    expect(error.statTags).toEqual({ errorCategory: 'network', errorType: 'retryable' });
    expect(error.destinationResponse).toMatchObject({ status: 401, response: sessionExpired });
  });

  it('403 REQUEST_LIMIT_EXCEEDED → ThrottledError', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE)
      .get(QUERY_PATH)
      .query({ q: SOQL })
      .reply(403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }]);
    const error = await rejection(client.query(context(), SOQL, ':- during Lead Query'));
    expect(error).toBeInstanceOf(ThrottledError);
    expect(error.status).toBe(429);
    expect(error.message).toBe(
      'Salesforce Request Failed - due to "REQUEST_LIMIT_EXCEEDED", (Throttled) :- during Lead Query',
    );
  });

  it('503 → RetryableError', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE).get(QUERY_PATH).query({ q: SOQL }).reply(503, 'Service Unavailable');
    const error = await rejection(client.query(context(), SOQL, ':- during Lead Query'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.message).toContain('503');
  });

  it('400 MALFORMED_QUERY → AbortedError', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE)
      .get(QUERY_PATH)
      .query({ q: SOQL })
      .reply(400, [{ errorCode: 'MALFORMED_QUERY', message: 'unexpected token' }]);
    const error = await rejection(client.query(context(), SOQL, ''));
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.status).toBe(400);
  });

  it('a network error (ECONNRESET) → RetryableError', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE)
      .get(QUERY_PATH)
      .query({ q: SOQL })
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const error = await rejection(client.query(context(), SOQL, ':- during Lead Query'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.status).toBe(500);
    expect(error.message).toContain('ECONNRESET');
  });

  it('a 200 that is not a query answer → RetryableError', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE).get(QUERY_PATH).query({ q: SOQL }).reply(200, '<html>maintenance</html>');
    const error = await rejection(client.query(context(), SOQL, ''));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toContain('unexpected query response');
  });

  it('reports each call by endpoint and status, without secrets', async () => {
    const events: ApiCallEvent[] = [];
    const usage: unknown[] = [];
    const stop = runtime.telemetry.listen({ apiCall: (e) => events.push(e), apiUsage: (e) => usage.push(e) });
    try {
      nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-SECRET'));
      nock(INSTANCE)
        .get(QUERY_PATH)
        .query({ q: SOQL })
        .reply(200, { totalSize: 0, done: true, records: [] }, { 'Sforce-Limit-Info': 'api-usage=18/15000' });
      await client.query(context(), SOQL, '');
    } finally {
      stop();
    }
    expect(events).toEqual([
      { destinationId: 'dest-1', endpoint: 'token', status: 200 },
      { destinationId: 'dest-1', endpoint: 'query', status: 200 },
    ]);
    expect(usage).toEqual([{ destinationId: 'dest-1', used: 18, max: 15000 }]);
    expect(JSON.stringify([events, usage])).not.toContain('AT-SECRET');
  });
});

describe("queryMany: a batch's lookups in Composite requests", () => {
  const COMPOSITE_PATH = '/services/data/v62.0/composite';
  const soql = (i: number) => `SELECT Id, Email FROM Lead WHERE Email = 'p${i}@x.com'`;
  const queries = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ soql: soql(i), suffix: ':- during record lookup' }));
  const page = (...ids: string[]) => ({
    totalSize: ids.length,
    done: true,
    records: ids.map((Id) => ({ attributes: { type: 'Lead' }, Id })),
  });
  const ok = (body: unknown, i: number) => ({
    body,
    httpHeaders: {},
    httpStatusCode: 200,
    referenceId: `lookup${i}`,
  });
  const ids = (outcome: PromiseSettledResult<{ Id: string }[]>) =>
    outcome.status === 'fulfilled' ? outcome.value.map((r) => r.Id) : outcome.reason;

  it('sends up to five queries in one POST /composite (allOrNone false), each answered on its own', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    const bodies: unknown[] = [];
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer AT-1' } })
      .post(COMPOSITE_PATH, (body: unknown) => bodies.push(body) > 0)
      .reply(200, {
        compositeResponse: [
          ok(page('00Q1'), 0),
          {
            body: [{ message: "No such column 'Emial' on entity 'Lead'", errorCode: 'INVALID_FIELD' }],
            httpHeaders: {},
            httpStatusCode: 400,
            referenceId: 'lookup1',
          },
          ok({ ...page('00Q3'), done: false, nextRecordsUrl: '/services/data/v62.0/query/01g-2000' }, 2),
        ],
      })
      .get('/services/data/v62.0/query/01g-2000')
      .reply(200, page('00Q4'));
    const settled = await client.queryMany!(context(), queries(3));
    expect(bodies).toEqual([
      {
        allOrNone: false,
        compositeRequest: [0, 1, 2].map((i) => ({
          method: 'GET',
          url: `/services/data/v62.0/query?q=${encodeURIComponent(soql(i))}`,
          referenceId: `lookup${i}`,
        })),
      },
    ]);
    expect(ids(settled[0])).toEqual(['00Q1']);
    expect(settled[1].status).toBe('rejected');
    const error = (settled[1] as PromiseRejectedResult).reason as BaseError;
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.message).toContain("No such column 'Emial'");
    expect(error.message).toContain(':- during record lookup');
    expect(ids(settled[2])).toEqual(['00Q3', '00Q4']);
  });

  it('splits more than five queries into several Composite requests; a lone query goes on its own', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    const sizes: number[] = [];
    nock(INSTANCE)
      .post(
        COMPOSITE_PATH,
        (body: { compositeRequest: unknown[] }) => sizes.push(body.compositeRequest.length) > 0,
      )
      .reply(200, { compositeResponse: [0, 1, 2, 3, 4].map((i) => ok(page(`00Q${i}`), i)) })
      .get(QUERY_PATH)
      .query({ q: soql(5) })
      .reply(200, page('00Q5'));
    const settled = await client.queryMany!(context(), queries(6));
    expect(sizes).toEqual([5]);
    expect(settled.map(ids)).toEqual([['00Q0'], ['00Q1'], ['00Q2'], ['00Q3'], ['00Q4'], ['00Q5']]);
  });

  it('fails every query of a Composite request that fails as a whole, with its classification', async () => {
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-1'));
    nock(INSTANCE)
      .post(COMPOSITE_PATH)
      .reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }])
      .post(COMPOSITE_PATH)
      .reply(200, { unexpected: true });
    const throttled = await client.queryMany!(context(), queries(2));
    expect(throttled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    for (const s of throttled) expect((s as PromiseRejectedResult).reason).toBeInstanceOf(ThrottledError);
    const unreadable = await client.queryMany!(context(), queries(2));
    for (const s of unreadable) {
      expect((s as PromiseRejectedResult).reason).toBeInstanceOf(RetryableError);
      expect(((s as PromiseRejectedResult).reason as Error).message).toContain(
        'unexpected composite lookup response',
      );
    }
  });

  it('with the host OAuth token, a subrequest refused for the session asks for a refresh', async () => {
    const host = { secret: { access_token: 'HOST-AT', instance_url: INSTANCE } } as unknown as Metadata;
    nock(INSTANCE)
      .post(COMPOSITE_PATH)
      .reply(200, {
        compositeResponse: [
          ok(page('00Q1'), 0),
          { body: sessionExpired, httpHeaders: {}, httpStatusCode: 401, referenceId: 'lookup1' },
        ],
      });
    const settled = await client.queryMany!(context(host, 'SALESFORCE_OAUTH'), queries(2));
    expect(ids(settled[0])).toEqual(['00Q1']);
    const error = (settled[1] as PromiseRejectedResult).reason as BaseError;
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.authErrorCategory).toBe('REFRESH_TOKEN');
  });
});

describe('refused credentials', () => {
  it('are answered from memory for a minute instead of logging in again (no lockout by retries)', async () => {
    nock(LOGIN)
      .post(TOKEN_PATH)
      .once()
      .reply(400, { error: 'invalid_grant', error_description: 'authentication failure' });
    const first = await rejection(client.authorize(context()));
    const second = await rejection(client.authorize(context()));
    expect(first.status).toBe(400);
    expect(second).toBe(first);
    // A minute later the credentials may have been fixed: one new login.
    clock.advance(60_000);
    nock(LOGIN).post(TOKEN_PATH).reply(200, tokenBody('AT-FIXED'));
    await expect(client.authorize(context())).resolves.toMatchObject({ accessToken: 'AT-FIXED' });
  });
});
