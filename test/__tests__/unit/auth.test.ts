/**
 * Token cache and credential resolution (src/v0/destinations/salesforce/auth.ts, spec rudder-contract.md B.2):
 * single-flight logins, TTL, safe eviction (W11), the password grant's form (W13), and the host OAuth secret checks.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { ConfigurationError, OAuthSecretError } from '../../../src/framework/errors';
import type { Destination, Metadata } from '../../../src/framework/types';
import {
  resolveCredentials,
  TokenCache,
  type AuthInfo,
  type Credentials,
  type LoginRequest,
} from '../../../src/v0/destinations/salesforce/auth';
import { parseConfig } from '../../../src/v0/destinations/salesforce/config';
import { readSettings } from '../../../src/v0/destinations/salesforce/settings';
import { thrownBy } from '../helpers/thrown';

const ENV_KEYS = ['SALESFORCE_CLIENT_ID', 'SALESFORCE_CLIENT_SECRET', 'ACCESS_TOKEN_CACHE_TTL'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
beforeEach(() => {
  for (const key of ENV_KEYS) delete process.env[key];
});
afterAll(() => {
  for (const key of ENV_KEYS) {
    const value = savedEnv[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const auth = (accessToken: string, cacheKey = 'd1:k'): AuthInfo => ({
  flow: 'password',
  accessToken,
  instanceUrl: 'https://na1.my.salesforce.com',
  cacheKey,
});

/** Resolves on a later turn of the event loop, so callers really overlap. */
const later = <T>(value: T, ms = 5): Promise<T> =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('TokenCache', () => {
  it('runs one login for 50 concurrent callers of one key and gives them all the same AuthInfo', async () => {
    const cache = new TokenCache(3_600_000, Date.now);
    const load = jest.fn(() => later(auth('AT-1')));
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.get('d1:k', load)));
    expect(load).toHaveBeenCalledTimes(1);
    for (const r of results) expect(r).toBe(results[0]);
    expect(results[0].accessToken).toBe('AT-1');
    expect(cache.size).toBe(1);
  });

  it('keeps keys apart', async () => {
    const cache = new TokenCache(3_600_000, Date.now);
    const [a, b] = await Promise.all([
      cache.get('d1:k', () => later(auth('A'))),
      cache.get('d2:k', () => later(auth('B'))),
    ]);
    expect([a.accessToken, b.accessToken]).toEqual(['A', 'B']);
    expect(cache.size).toBe(2);
  });

  it('does not cache a failed login: concurrent callers share the failure and the next call logs in again', async () => {
    const cache = new TokenCache(3_600_000, Date.now);
    const failing = jest.fn(() =>
      later(undefined).then<AuthInfo>(() => Promise.reject(new Error('invalid_grant'))),
    );
    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => cache.get('d1:k', failing)));
    expect(failing).toHaveBeenCalledTimes(1);
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      if (s.status === 'rejected') expect((s.reason as Error).message).toBe('invalid_grant');
    }
    expect(cache.size).toBe(0);
    const ok = jest.fn(() => later(auth('AT-2')));
    await expect(cache.get('d1:k', ok)).resolves.toMatchObject({ accessToken: 'AT-2' });
    expect(ok).toHaveBeenCalledTimes(1);
  });

  it('expires entries after the TTL, on an injected clock', async () => {
    let now = 1_000_000;
    const cache = new TokenCache(3_600_000, () => now);
    let n = 0;
    const load = jest.fn(() => Promise.resolve(auth(`AT-${++n}`)));
    expect((await cache.get('d1:k', load, 1000)).accessToken).toBe('AT-1');
    now += 999;
    expect((await cache.get('d1:k', load, 1000)).accessToken).toBe('AT-1');
    now += 1;
    expect((await cache.get('d1:k', load, 1000)).accessToken).toBe('AT-2');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('takes its default TTL from ACCESS_TOKEN_CACHE_TTL (seconds), else one hour', async () => {
    const ttl = (value?: string) =>
      readSettings(value === undefined ? {} : { ACCESS_TOKEN_CACHE_TTL: value }).tokenTtlMs;
    expect(ttl()).toBe(3_600_000);
    expect(ttl('10')).toBe(10_000);
    expect(ttl('0')).toBe(3_600_000);
    expect(ttl('soon')).toBe(3_600_000);

    let now = 0;
    const cache = new TokenCache(ttl('10'), () => now);
    const load = jest.fn(() => Promise.resolve(auth('AT')));
    await cache.get('d1:k', load);
    now = 9_999;
    await cache.get('d1:k', load);
    expect(load).toHaveBeenCalledTimes(1);
    now = 10_000;
    await cache.get('d1:k', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('evicts a rejected token, but a stale eviction does not drop a newer token', async () => {
    const cache = new TokenCache(3_600_000, Date.now);
    await cache.get('d1:k', () => Promise.resolve(auth('OLD')));
    cache.evict('d1:k', 'OLD');
    expect(cache.size).toBe(0);
    await cache.get('d1:k', () => Promise.resolve(auth('NEW')));
    // A second caller that also saw OLD rejected arrives late.
    cache.evict('d1:k', 'OLD');
    expect(cache.size).toBe(1);
    const load = jest.fn(() => Promise.resolve(auth('NEWER')));
    expect((await cache.get('d1:k', load)).accessToken).toBe('NEW');
    expect(load).not.toHaveBeenCalled();
  });

  it('evicts unconditionally without a token, and ignores unknown keys', async () => {
    const cache = new TokenCache(3_600_000, Date.now);
    await cache.get('d1:k', () => Promise.resolve(auth('A')));
    cache.evict('nope');
    expect(cache.size).toBe(1);
    cache.evict('d1:k');
    expect(cache.size).toBe(0);
  });

  it('evictDestination drops every token of that destination and only those', async () => {
    const cache = new TokenCache(3_600_000, Date.now);
    for (const key of [
      'd1:password:aaa',
      'd1:password:bbb',
      'd10:password:ccc',
      'd2:password:ddd',
      'xd1:eee',
    ]) {
      await cache.get(key, () => Promise.resolve(auth(key, key)));
    }
    cache.evictDestination('d1');
    expect(cache.size).toBe(3);
    const reload = jest.fn((key: string) => Promise.resolve(auth(`re-${key}`, key)));
    for (const key of ['d10:password:ccc', 'd2:password:ddd', 'xd1:eee']) {
      expect((await cache.get(key, () => reload(key))).accessToken).toBe(key);
    }
    expect(reload).not.toHaveBeenCalled();
    expect((await cache.get('d1:password:aaa', () => reload('d1:password:aaa'))).accessToken).toBe(
      're-d1:password:aaa',
    );
  });

  it('clear empties the cache', async () => {
    const cache = new TokenCache(3_600_000, Date.now);
    await cache.get('d1:k', () => Promise.resolve(auth('A')));
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

/** The login form, whether the module gives it as an object or builds it lazily. */
function formOf(login: LoginRequest): Record<string, string> {
  const form: unknown = login.form;
  return (typeof form === 'function' ? (form as () => unknown)() : form) as Record<string, string>;
}

function loginOf(credentials: Credentials): LoginRequest {
  if (credentials.kind !== 'login') throw new Error(`expected a login, got ${credentials.kind}`);
  return credentials.login;
}

const destination = (config: Record<string, unknown>, name = 'SALESFORCE', id = 'dest-1'): Destination => ({
  ID: id,
  Config: config,
  DestinationDefinition: { Name: name },
});

/** Credentials as the client resolves them, with the settings of the environment the test set. */
const resolve = (d: Destination, metadata?: Metadata): Credentials => {
  const settings = readSettings(process.env);
  return resolveCredentials(
    { destination: d, metadata, config: parseConfig(d, settings), settings },
    Date.now,
    new WeakMap(),
  );
};

const PASSWORD_CONFIG = {
  userName: 'user+tag@example.com',
  password: 'p@ss&word=1',
  initialAccessToken: 'SECTOKEN',
  clientId: 'config-client-id',
  clientSecret: 'config-client-secret',
};

describe('resolveCredentials: password grant', () => {
  it('posts grant_type=password with the password and security token concatenated', () => {
    const login = loginOf(resolve(destination(PASSWORD_CONFIG)));
    expect(login.tokenUrl).toBe('https://login.salesforce.com/services/oauth2/token');
    expect(formOf(login)).toEqual({
      grant_type: 'password',
      client_id: 'config-client-id',
      client_secret: 'config-client-secret',
      username: 'user+tag@example.com',
      password: 'p@ss&word=1SECTOKEN',
    });
  });

  it('logs in at the sandbox host for a sandbox, and at loginUrl when given', () => {
    expect(loginOf(resolve(destination({ ...PASSWORD_CONFIG, sandbox: true }))).tokenUrl).toBe(
      'https://test.salesforce.com/services/oauth2/token',
    );
    expect(
      loginOf(resolve(destination({ ...PASSWORD_CONFIG, loginUrl: 'http://127.0.0.1:4010/' }))).tokenUrl,
    ).toBe('http://127.0.0.1:4010/services/oauth2/token');
  });

  it('keeps the token URL free of credentials (W13)', () => {
    const login = loginOf(resolve(destination(PASSWORD_CONFIG)));
    expect(login.tokenUrl).not.toContain('?');
    for (const secret of ['p@ss', 'SECTOKEN', 'config-client-secret', 'user+tag'])
      expect(login.tokenUrl).not.toContain(secret);
  });

  it('sends the password alone when there is no security token', () => {
    const config: Record<string, unknown> = { ...PASSWORD_CONFIG };
    delete config.initialAccessToken;
    expect(formOf(loginOf(resolve(destination(config)))).password).toBe('p@ss&word=1');
  });

  it('takes the client id and secret from SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET when the config has none', () => {
    process.env.SALESFORCE_CLIENT_ID = 'env-client-id';
    process.env.SALESFORCE_CLIENT_SECRET = 'env-client-secret';
    const form = formOf(loginOf(resolve(destination({ userName: 'u@example.com', password: 'pw' }))));
    expect(form.client_id).toBe('env-client-id');
    expect(form.client_secret).toBe('env-client-secret');
    // The config wins over the environment.
    const fromConfig = formOf(loginOf(resolve(destination(PASSWORD_CONFIG))));
    expect(fromConfig.client_id).toBe('config-client-id');
    expect(fromConfig.client_secret).toBe('config-client-secret');
  });

  it('omits client_secret when none is configured', () => {
    const form = formOf(
      loginOf(resolve(destination({ userName: 'u@example.com', password: 'pw', clientId: 'cid' }))),
    );
    expect(form).not.toHaveProperty('client_secret');
    expect(Object.values(form)).not.toContain('undefined');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['userName', { password: 'pw', clientId: 'cid', clientSecret: 'cs' }, 'Config.userName'],
    ['password', { userName: 'u@example.com', clientId: 'cid', clientSecret: 'cs' }, 'Config.password'],
    ['clientId', { userName: 'u@example.com', password: 'pw' }, 'Config.clientId'],
  ])('rejects a config without %s with a ConfigurationError naming it', (_key, config, named) => {
    const error = thrownBy(() => resolve(destination(config)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(named);
  });

  it('names both keys when userName and password are missing', () => {
    const error = thrownBy(() => resolve(destination({ initialAccessToken: 'TOK', clientId: 'cid' })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Config.userName');
    expect((error as Error).message).toContain('Config.password');
  });

  it('keys the cache by destination and changes the key when a credential changes, without the secrets in it', () => {
    const key = loginOf(resolve(destination(PASSWORD_CONFIG))).cacheKey;
    expect(key.startsWith('dest-1:')).toBe(true);
    expect(loginOf(resolve(destination(PASSWORD_CONFIG))).cacheKey).toBe(key);
    expect(loginOf(resolve(destination({ ...PASSWORD_CONFIG, password: 'rotated' }))).cacheKey).not.toBe(key);
    expect(
      loginOf(resolve(destination({ ...PASSWORD_CONFIG, initialAccessToken: 'NEWTOK' }))).cacheKey,
    ).not.toBe(key);
    expect(loginOf(resolve(destination({ ...PASSWORD_CONFIG, sandbox: true }))).cacheKey).not.toBe(key);
    expect(
      loginOf(resolve(destination(PASSWORD_CONFIG, 'SALESFORCE', 'dest-2'))).cacheKey.startsWith('dest-2:'),
    ).toBe(true);
    for (const secret of ['p@ss', 'SECTOKEN', 'config-client-secret']) expect(key).not.toContain(secret);
  });

  it('uses the password grant for a SALESFORCE_OAUTH destination without a secret but with a password config', () => {
    const login = loginOf(resolve(destination(PASSWORD_CONFIG, 'SALESFORCE_OAUTH')));
    expect(formOf(login).grant_type).toBe('password');
  });
});

describe('resolveCredentials: host OAuth', () => {
  const SECRET_HINT = 'This might be a platform issue. Please contact RudderStack support for assistance.';

  it('uses metadata.secret, trimming the instance URL', () => {
    const credentials = resolve(destination({}, 'SALESFORCE_OAUTH'), {
      jobId: 1,
      secret: { access_token: 'HOST-AT', instance_url: 'https://acme.my.salesforce.com/' },
    });
    expect(credentials).toEqual({
      kind: 'token',
      auth: { flow: 'oauth', accessToken: 'HOST-AT', instanceUrl: 'https://acme.my.salesforce.com' },
    });
  });

  it('SALESFORCE_OAUTH_SANDBOX always uses the host token, even with credentials of its own (spec B.2 item 10)', () => {
    const error = thrownBy(() =>
      resolve(destination(PASSWORD_CONFIG, 'SALESFORCE_OAUTH_SANDBOX'), { jobId: 1 }),
    );
    expect(error).toBeInstanceOf(OAuthSecretError);
    expect((error as OAuthSecretError).message).toBe(`Secret is undefined/null. ${SECRET_HINT}`);
  });

  it('an empty secret ({}) is no secret: a plain SALESFORCE destination signs in with its credentials', () => {
    const login = loginOf(resolve(destination(PASSWORD_CONFIG), { jobId: 1, secret: {} }));
    expect(formOf(login).grant_type).toBe('password');
  });

  it('uses metadata.secret even on a legacy SALESFORCE destination with a password (spec B.2)', () => {
    const credentials = resolve(destination(PASSWORD_CONFIG), {
      secret: { access_token: 'HOST-AT', instance_url: 'https://acme.my.salesforce.com' },
    });
    expect(credentials.kind).toBe('token');
  });

  it.each<[string, string, Metadata | undefined, string]>([
    ['no metadata', 'SALESFORCE_OAUTH', undefined, `Secret is undefined/null. ${SECRET_HINT}`],
    [
      'a null secret',
      'SALESFORCE_OAUTH_SANDBOX',
      { secret: null },
      `Secret is undefined/null. ${SECRET_HINT}`,
    ],
    [
      'no access_token',
      'SALESFORCE_OAUTH',
      { secret: { instance_url: 'https://x.my.salesforce.com' } },
      `access_token is undefined/null. ${SECRET_HINT}`,
    ],
    [
      'an empty access_token',
      'SALESFORCE',
      { secret: { access_token: '', instance_url: 'https://x' } },
      `access_token is undefined/null. ${SECRET_HINT}`,
    ],
    [
      'no instance_url',
      'SALESFORCE_OAUTH',
      { secret: { access_token: 'AT' } },
      `instance_url is undefined/null. ${SECRET_HINT}`,
    ],
  ])('%s → OAuthSecretError 500', (_name, definition, metadata, message) => {
    const error = thrownBy(() => resolve(destination({}, definition), metadata));
    expect(error).toBeInstanceOf(OAuthSecretError);
    expect((error as OAuthSecretError).message).toBe(message);
    expect((error as OAuthSecretError).status).toBe(500);
    expect((error as OAuthSecretError).statTags).toEqual({
      errorCategory: 'platform',
      errorType: 'oAuthSecret',
    });
  });
});

describe('resolveCredentials: client credentials grant', () => {
  const MY_DOMAIN = 'https://acme.my.salesforce.com';

  it('posts grant_type=client_credentials to the My Domain host', () => {
    const login = loginOf(
      resolve(destination({ clientId: 'cid', clientSecret: 'csecret', loginUrl: MY_DOMAIN })),
    );
    expect(login.tokenUrl).toBe(`${MY_DOMAIN}/services/oauth2/token`);
    expect(formOf(login)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'cid',
      client_secret: 'csecret',
    });
    expect(login.cacheKey.startsWith('dest-1:')).toBe(true);
    expect(login.cacheKey).not.toContain('csecret');
  });

  it.each([
    ['login.salesforce.com', {}],
    ['test.salesforce.com', { sandbox: true }],
  ])('refuses %s, which Salesforce rejects for this grant (salesforce-api.md 8.4)', (_host, extra) => {
    const error = thrownBy(() =>
      resolve(
        destination({ clientId: 'cid', clientSecret: 'csecret', authFlow: 'clientCredentials', ...extra }),
      ),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Config.loginUrl');
    expect((error as Error).message).toContain('My Domain');
  });

  it('needs a client secret', () => {
    const error = thrownBy(() =>
      resolve(destination({ clientId: 'cid', authFlow: 'clientCredentials', loginUrl: MY_DOMAIN })),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Config.clientSecret');
  });
});

describe('resolveCredentials: JWT bearer grant', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  const decode = (part: string): unknown =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;

  it('posts a signed RS256 assertion naming the client, the user and the login host, valid three minutes', () => {
    const before = Math.floor(Date.now() / 1000);
    const login = loginOf(
      resolve(destination({ userName: 'u@example.com', clientId: 'cid', privateKey: PEM })),
    );
    expect(login.tokenUrl).toBe('https://login.salesforce.com/services/oauth2/token');
    const form = formOf(login);
    expect(form.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(Object.keys(form).sort()).toEqual(['assertion', 'grant_type']);
    const [header, claims, signature] = form.assertion.split('.');
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT' });
    const body = decode(claims) as { iss: string; sub: string; aud: string; exp: number };
    expect(body).toMatchObject({ iss: 'cid', sub: 'u@example.com', aud: 'https://login.salesforce.com' });
    expect(body.exp).toBeGreaterThanOrEqual(before + 180);
    expect(body.exp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 180);
    const valid = createVerify('RSA-SHA256')
      .update(`${header}.${claims}`)
      .verify(publicKey, Buffer.from(signature, 'base64url'));
    expect(valid).toBe(true);
    expect(login.cacheKey).not.toContain('PRIVATE KEY');
  });

  it('rejects an unusable key up front with a ConfigurationError naming Config.privateKey', () => {
    const error = thrownBy(() =>
      resolve(destination({ userName: 'u@example.com', clientId: 'cid', privateKey: 'not a key' })),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Config.privateKey');
    expect((error as Error).message).not.toContain('not a key');
  });

  it('needs the user name', () => {
    const error = thrownBy(() => resolve(destination({ clientId: 'cid', privateKey: PEM })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Config.userName');
  });
});
