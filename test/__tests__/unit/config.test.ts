/**
 * `parseConfig` (src/v0/destinations/salesforce/config.ts): defaults, the mapProperty / mapProperties alias (W28),
 * errors naming `Config.<key>`, and the SALESFORCE_WRITE_MODE environment default.
 */
import { ConfigurationError } from '../../../src/framework/errors';
import type { Destination } from '../../../src/framework/types';
import {
  DEFAULT_API_VERSION,
  LOGIN_URL,
  parseConfig,
  SANDBOX_LOGIN_URL,
} from '../../../src/v0/destinations/salesforce/config';
import { createRuntime } from '../../../src/v0/destinations/salesforce/runtime';
import { readSettings } from '../../../src/v0/destinations/salesforce/settings';
import { thrownBy } from '../helpers/thrown';

/** Parse with the settings of `env` (default: none set). */
const parse = (d: Destination, env: NodeJS.ProcessEnv = {}) => parseConfig(d, readSettings(env));

/** A fresh Config object each time: runtimes cache parsed configs per Config object. */
const dest = (config: Record<string, unknown> = {}): Destination => ({
  ID: 'dest-1',
  Config: { userName: 'u@example.com', password: 'pw', initialAccessToken: 'TOKEN', ...config },
  DestinationDefinition: { Name: 'SALESFORCE' },
});

describe('parseConfig', () => {
  it('applies the defaults', () => {
    const config = parse(dest());
    expect(DEFAULT_API_VERSION).toBe('62.0');
    expect(config).toMatchObject({
      apiVersion: '62.0',
      mapProperty: true,
      useContactId: false,
      requireExplicitOptIn: true,
      writeMode: 'record',
      sandbox: false,
      loginUrl: 'https://login.salesforce.com',
      userName: 'u@example.com',
      password: 'pw',
      securityToken: 'TOKEN',
    });
    expect(LOGIN_URL).toBe('https://login.salesforce.com');
  });

  it('logs in at test.salesforce.com for a sandbox', () => {
    expect(parse(dest({ sandbox: true })).loginUrl).toBe('https://test.salesforce.com');
    expect(SANDBOX_LOGIN_URL).toBe('https://test.salesforce.com');
  });

  it('prefers an explicit loginUrl (My Domain or a local simulator) and drops a trailing slash', () => {
    expect(parse(dest({ loginUrl: 'https://acme.my.salesforce.com/', sandbox: true })).loginUrl).toBe(
      'https://acme.my.salesforce.com',
    );
    expect(parse(dest({ loginUrl: 'http://127.0.0.1:8080' })).loginUrl).toBe('http://127.0.0.1:8080');
    expect(parse(dest({ loginUrl: '' })).loginUrl).toBe('https://login.salesforce.com');
  });

  it('treats an empty security token as none, and empty strings as unset', () => {
    const config = parse(dest({ initialAccessToken: undefined, userName: '', clientId: '' }));
    expect(config.securityToken).toBe('');
    expect(config.userName).toBeUndefined();
    expect(config.clientId).toBeUndefined();
  });

  it.each<[Record<string, unknown>, boolean]>([
    [{ mapProperty: false }, false],
    [{ mapProperties: false }, false],
    [{ mapProperties: true }, true],
    [{ mapProperty: true, mapProperties: true }, true],
    [{ mapProperty: false, mapProperties: false }, false],
  ])('reads mapProperty or its alias mapProperties: %p → %p', (config, expected) => {
    expect(parse(dest(config)).mapProperty).toBe(expected);
  });

  it('rejects mapProperty and mapProperties that disagree', () => {
    const error = thrownBy(() => parse(dest({ mapProperty: true, mapProperties: false })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Config.mapProperty');
    expect((error as Error).message).toContain('Config.mapProperties');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['apiVersion "v50"', { apiVersion: 'v50' }, 'Config.apiVersion'],
    ['apiVersion 50 (a number)', { apiVersion: 50 }, 'Config.apiVersion'],
    ['apiVersion "62"', { apiVersion: '62' }, 'Config.apiVersion'],
    ['loginUrl without a scheme', { loginUrl: 'login.salesforce.com' }, 'Config.loginUrl'],
    [
      'loginUrl with a path',
      { loginUrl: 'https://login.salesforce.com/services/oauth2/token' },
      'Config.loginUrl',
    ],
    [
      'loginUrl with a query',
      { loginUrl: 'https://evil.example?x=https://login.salesforce.com' },
      'Config.loginUrl',
    ],
    ['sandbox "yes"', { sandbox: 'yes' }, 'Config.sandbox'],
    ['useContactId "true"', { useContactId: 'true' }, 'Config.useContactId'],
    ['requireExplicitOptIn 0', { requireExplicitOptIn: 0 }, 'Config.requireExplicitOptIn'],
    ['mapProperty "false"', { mapProperty: 'false' }, 'Config.mapProperty'],
    ['writeMode "bulk"', { writeMode: 'bulk' }, 'Config.writeMode'],
    ['collections on API 41.0', { writeMode: 'collections', apiVersion: '41.0' }, 'Config.apiVersion 42.0'],
    ['password 123 (a number)', { password: 123 }, 'Config.password'],
  ])('rejects %s with a ConfigurationError naming the key', (_name, config, key) => {
    const error = thrownBy(() => parse(dest(config)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).status).toBe(400);
    expect((error as Error).message).toContain(key);
    expect((error as Error).message).toContain('Invalid Salesforce destination config');
  });

  it.each(['http://acme.my.salesforce.com', 'http://login.salesforce.com', 'http://10.0.0.5:8080'])(
    'rejects the plain-http loginUrl %p: credentials would travel in clear text (salesforce-api.md 8.1: HTTPS only)',
    (loginUrl) => {
      const error = thrownBy(() => parse(dest({ loginUrl })));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('Config.loginUrl');
    },
  );

  it.each(['http://127.0.0.1:4010', 'http://localhost:4010', 'https://acme.my.salesforce.com'])(
    'accepts the loginUrl %p (https, or http on loopback for the simulator)',
    (loginUrl) => {
      expect(parse(dest({ loginUrl })).loginUrl).toBe(loginUrl);
    },
  );

  it('accepts another two-digit API version', () => {
    expect(parse(dest({ apiVersion: '58.0' })).apiVersion).toBe('58.0');
  });

  it('does not change the destination config (it may be frozen and shared)', () => {
    const d = dest({ sandbox: true });
    Object.freeze(d.Config);
    const before = structuredClone(d.Config);
    parse(d);
    expect(d.Config).toEqual(before);
    expect('apiVersion' in d.Config).toBe(false);
  });

  it('a runtime parses a Config object once', () => {
    const d = dest();
    const runtime = createRuntime({ env: {} });
    expect(runtime.config(d)).toBe(runtime.config(d));
  });

  it('takes the write mode from SALESFORCE_WRITE_MODE when the config has none', () => {
    expect(parse(dest(), { SALESFORCE_WRITE_MODE: 'collections' }).writeMode).toBe('collections');
    expect(parse(dest(), { SALESFORCE_WRITE_MODE: '' }).writeMode).toBe('record');
  });

  it('accepts collections from API 42.0 on, and record mode on any version', () => {
    expect(parse(dest({ writeMode: 'collections', apiVersion: '42.0' })).apiVersion).toBe('42.0');
    expect(parse(dest({ writeMode: 'record', apiVersion: '41.0' })).apiVersion).toBe('41.0');
  });

  it('refuses a retired API version with a ConfigurationError naming the key and the oldest version served', () => {
    const error = thrownBy(() => parse(dest({ apiVersion: '20.0' })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'Invalid Salesforce destination config: Config.apiVersion 20.0 is retired by Salesforce; use 31.0 or later (default 62.0)',
    );
    expect(parse(dest({ apiVersion: '31.0' })).apiVersion).toBe('31.0');
  });

  it('lets Config.writeMode win over SALESFORCE_WRITE_MODE', () => {
    expect(parse(dest({ writeMode: 'record' }), { SALESFORCE_WRITE_MODE: 'collections' }).writeMode).toBe(
      'record',
    );
  });

  it('rejects an unknown SALESFORCE_WRITE_MODE with a ConfigurationError naming the variable', () => {
    const error = thrownBy(() => parse(dest(), { SALESFORCE_WRITE_MODE: 'bulk' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('SALESFORCE_WRITE_MODE');
    expect((error as Error).message).toContain('"bulk"');
  });
});

describe('parseConfig: sign-in flow and newer settings', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['userName + password', {}, 'password'],
    [
      'clientId + clientSecret + a My Domain loginUrl, without a user',
      {
        userName: '',
        password: '',
        clientId: 'cid',
        clientSecret: 'cs',
        loginUrl: 'https://acme.my.salesforce.com',
      },
      'clientCredentials',
    ],
    [
      'clientId + clientSecret without a user or My Domain (they also serve the password flow)',
      { userName: '', password: '', clientId: 'cid', clientSecret: 'cs' },
      'password',
    ],
    ['a private key', { password: undefined, privateKey: 'PEM' }, 'jwtBearer'],
    ['an explicit authFlow', { authFlow: 'clientCredentials' }, 'clientCredentials'],
  ])('infers the flow from %s', (_name, config, flow) => {
    expect(parse(dest(config)).authFlow).toBe(flow);
  });

  it('refuses a private key and a password without an explicit authFlow', () => {
    const error = thrownBy(() => parse(dest({ privateKey: 'PEM' })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Config.privateKey');
    expect((error as Error).message).toContain('Config.authFlow');
    expect(parse(dest({ privateKey: 'PEM', authFlow: 'password' })).authFlow).toBe('password');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['authFlow "oauth"', { authFlow: 'oauth' }, 'Config.authFlow'],
    ['apiQuotaThreshold 0', { apiQuotaThreshold: 0 }, 'Config.apiQuotaThreshold'],
    ['apiQuotaThreshold 1.5', { apiQuotaThreshold: 1.5 }, 'Config.apiQuotaThreshold'],
    ['apiQuotaThreshold "0.9"', { apiQuotaThreshold: '0.9' }, 'Config.apiQuotaThreshold'],
    ['unknownFieldPolicy "ignore"', { unknownFieldPolicy: 'ignore' }, 'Config.unknownFieldPolicy'],
  ])('rejects %s naming the key', (_name, config, key) => {
    const error = thrownBy(() => parse(dest(config)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(key);
  });

  it('defaults apiQuotaThreshold to 0.95 and unknownFieldPolicy to reject', () => {
    expect(parse(dest())).toMatchObject({ apiQuotaThreshold: 0.95, unknownFieldPolicy: 'reject' });
    expect(parse(dest({ apiQuotaThreshold: 1, unknownFieldPolicy: 'drop' }))).toMatchObject({
      apiQuotaThreshold: 1,
      unknownFieldPolicy: 'drop',
    });
  });
});
