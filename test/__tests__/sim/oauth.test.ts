import { manualClock, startSimulator, type Simulator } from '../../../tools/salesforce-sim';
import { API, call, CLIENT, DEMO } from './helpers';

type TokenBody = Record<string, string>;

function jwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256' })}.${enc(payload)}.c2lnbmF0dXJl`;
}

const TOKEN_TTL_MS = 60_000;

describe('salesforce-sim OAuth token endpoint', () => {
  let sim: Simulator;
  const clock = manualClock();
  const tokenUrl = (): string => `${sim.url}/services/oauth2/token`;
  const post = (form: Record<string, string>): ReturnType<typeof call<TokenBody>> =>
    call<TokenBody>(tokenUrl(), { method: 'POST', form });

  beforeAll(async () => {
    sim = await startSimulator({ tokenTtlMs: TOKEN_TTL_MS, now: clock.now });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.state.reset());

  const expectTokenShape = (body: TokenBody): void => {
    expect(Object.keys(body).sort()).toEqual(
      ['access_token', 'id', 'instance_url', 'issued_at', 'signature', 'token_type'].sort(),
    );
    expect(body.instance_url).toBe(sim.url);
    expect(body.token_type).toBe('Bearer');
    expect(body.issued_at).toMatch(/^\d{13}$/);
    expect(body.id).toMatch(new RegExp(`^${sim.url}/id/00D\\w{15}/005\\w{15}$`));
    expect(body.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(body).not.toHaveProperty('expires_in');
  };

  it('password grant: password + security token in the form body yields a usable token', async () => {
    const r = await post({
      grant_type: 'password',
      username: DEMO.username,
      password: DEMO.password + DEMO.securityToken,
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    expect(r.status).toBe(200);
    expectTokenShape(r.body);
    const limits = await call(`${sim.url}${API}/limits`, {
      headers: { authorization: `Bearer ${r.body.access_token}` },
    });
    expect(limits.status).toBe(200);
  });

  it('password grant without the security token, or with a wrong password, is invalid_grant', async () => {
    for (const password of [DEMO.password, 'nope' + DEMO.securityToken]) {
      const r = await post({ grant_type: 'password', username: DEMO.username, password });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ error: 'invalid_grant', error_description: 'authentication failure' });
    }
    const unknown = await post({ grant_type: 'password', username: 'who@x.com', password: 'x' });
    expect(unknown.body.error).toBe('invalid_grant');
  });

  it('password grant checks client_id and client_secret when given', async () => {
    const base = {
      grant_type: 'password',
      username: DEMO.username,
      password: DEMO.password + DEMO.securityToken,
    };
    const badId = await post({ ...base, client_id: 'other', client_secret: CLIENT.clientSecret });
    expect(badId.status).toBe(400);
    expect(badId.body).toEqual({
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    });
    const badSecret = await post({ ...base, client_id: CLIENT.clientId, client_secret: 'wrong' });
    expect(badSecret.status).toBe(400);
    expect(badSecret.body.error).toBe('invalid_client');
  });

  it('client_credentials grant (form body or HTTP Basic) and its errors', async () => {
    const ok = await post({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    expect(ok.status).toBe(200);
    expectTokenShape(ok.body);

    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
    const viaBasic = await call<TokenBody>(tokenUrl(), {
      method: 'POST',
      form: { grant_type: 'client_credentials' },
      headers: { authorization: `Basic ${basic}` },
    });
    expect(viaBasic.status).toBe(200);

    const badId = await post({ grant_type: 'client_credentials', client_id: 'nope', client_secret: 'x' });
    expect(badId.body).toEqual({
      error: 'invalid_client_id',
      error_description: 'client identifier invalid',
    });
    const badSecret = await post({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: 'x',
    });
    expect(badSecret.status).toBe(400);
    expect(badSecret.body.error).toBe('invalid_client');
  });

  it('refresh_token grant accepts an issued refresh token and rejects others', async () => {
    const rt = sim.state.issueRefreshToken();
    const ok = await post({ grant_type: 'refresh_token', refresh_token: rt, client_id: CLIENT.clientId });
    expect(ok.status).toBe(200);
    expectTokenShape(ok.body);
    const bad = await post({
      grant_type: 'refresh_token',
      refresh_token: 'bogus',
      client_id: CLIENT.clientId,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
  });

  it('JWT bearer grant: sub must be a known username, iss a known client id', async () => {
    const grant_type = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const ok = await post({
      grant_type,
      assertion: jwt({ iss: CLIENT.clientId, sub: DEMO.username, aud: sim.url }),
    });
    expect(ok.status).toBe(200);
    expectTokenShape(ok.body);

    const badIss = await post({ grant_type, assertion: jwt({ iss: 'x', sub: DEMO.username }) });
    expect(badIss.body.error).toBe('invalid_client_id');
    const badSub = await post({ grant_type, assertion: jwt({ iss: CLIENT.clientId, sub: 'ghost@x.com' }) });
    expect(badSub.status).toBe(400);
    expect(badSub.body.error).toBe('invalid_grant');
    const malformed = await post({ grant_type, assertion: 'not-a-jwt' });
    expect(malformed.body).toEqual({ error: 'invalid_grant', error_description: 'invalid assertion' });
    const expired = await post({
      grant_type,
      assertion: jwt({ iss: CLIENT.clientId, sub: DEMO.username, exp: 1 }),
    });
    expect(expired.body.error).toBe('invalid_grant');
  });

  it('unknown or missing grant type is unsupported_grant_type', async () => {
    const r = await post({ grant_type: 'authorization_code_x' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'grant type not supported',
    });
    const json = await call<TokenBody>(tokenUrl(), { method: 'POST', body: { grant_type: 'password' } });
    expect(json.body.error).toBe('unsupported_grant_type');
  });

  it('rejects credentials sent in the URL query string, even when they are valid', async () => {
    const qs = new URLSearchParams({
      grant_type: 'password',
      username: DEMO.username,
      password: DEMO.password + DEMO.securityToken,
    });
    const r = await call<TokenBody>(`${tokenUrl()}?${qs.toString()}`, { method: 'POST' });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
    expect(r.body).not.toHaveProperty('access_token');
    // Also when only the secret leaks into the URL and the rest is in the body.
    const mixed = await call<TokenBody>(`${tokenUrl()}?client_secret=${CLIENT.clientSecret}`, {
      method: 'POST',
      form: { grant_type: 'client_credentials', client_id: CLIENT.clientId },
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error).toBe('invalid_request');
  });

  it('token calls are listed in byEndpoint but not metered', async () => {
    await post({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    await post({ grant_type: 'nope' });
    expect(sim.state.counters()).toEqual({ total: 0, byEndpoint: { token: 2 } });
  });

  const clientCredentialsToken = async (): Promise<string> =>
    (
      await post({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      })
    ).body.access_token;
  const getLimits = (token: string): ReturnType<typeof call> =>
    call(`${sim.url}${API}/limits`, { headers: { authorization: `Bearer ${token}` } });

  it('tokens expire once the clock reaches tokenTtlMs, answering 401 INVALID_SESSION_ID', async () => {
    const token = await clientCredentialsToken();
    expect((await getLimits(token)).status).toBe(200);
    clock.advance(TOKEN_TTL_MS - 1);
    expect((await getLimits(token)).status).toBe(200);
    clock.advance(1);
    const expired = await getLimits(token);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    // Expired is expired: turning the clock back does not revive the token.
    clock.set(clock.now() - TOKEN_TTL_MS);
    expect((await getLimits(token)).status).toBe(401);
  });

  it('expireTokens() invalidates every issued token at once', async () => {
    const token = await clientCredentialsToken();
    expect((await getLimits(token)).status).toBe(200);
    sim.state.expireTokens();
    expect((await getLimits(token)).status).toBe(401);
    expect((await getLimits(await clientCredentialsToken())).status).toBe(200);
  });

  it('issued_at is the simulator clock in milliseconds', async () => {
    clock.set(Date.UTC(2030, 5, 15, 12, 0, 0));
    const r = await post({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    expect(r.body.issued_at).toBe(String(Date.UTC(2030, 5, 15, 12, 0, 0)));
  });

  it('a JWT exp is checked against the simulator clock', async () => {
    const grant_type = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    clock.set(Date.UTC(2030, 0, 1));
    const expSeconds = Date.UTC(2030, 0, 1, 0, 3) / 1000;
    const assertion = jwt({ iss: CLIENT.clientId, sub: DEMO.username, exp: expSeconds });
    expect((await post({ grant_type, assertion })).status).toBe(200);
    clock.advance(3 * 60_000 + 1);
    const late = await post({ grant_type, assertion });
    expect(late.status).toBe(400);
    expect(late.body).toEqual({ error: 'invalid_grant', error_description: 'invalid assertion' });
  });

  it('missing or unknown bearer token is 401 and not metered', async () => {
    const none = await call(`${sim.url}${API}/limits`);
    expect(none.status).toBe(401);
    expect(none.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const bogus = await call(`${sim.url}${API}/limits`, { headers: { authorization: 'Bearer 00Dxx!bogus' } });
    expect(bogus.status).toBe(401);
    expect(sim.state.counters().total).toBe(0);
  });

  it('custom users and clients replace the defaults', async () => {
    const custom = await startSimulator({
      users: [{ username: 'int@acme.com', password: 'pw', securityToken: 'TOK' }],
      clients: [{ clientId: 'cid', clientSecret: 'csec' }],
    });
    try {
      const ok = await call<TokenBody>(`${custom.url}/services/oauth2/token`, {
        method: 'POST',
        form: {
          grant_type: 'password',
          username: 'int@acme.com',
          password: 'pwTOK',
          client_id: 'cid',
          client_secret: 'csec',
        },
      });
      expect(ok.status).toBe(200);
      const demo = await call<TokenBody>(`${custom.url}/services/oauth2/token`, {
        method: 'POST',
        form: {
          grant_type: 'password',
          username: DEMO.username,
          password: DEMO.password + DEMO.securityToken,
        },
      });
      expect(demo.body.error).toBe('invalid_grant');
    } finally {
      await custom.close();
    }
  });
});
