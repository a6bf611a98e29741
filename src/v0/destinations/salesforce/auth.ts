/**
 * Where an access token comes from, who owns it, and how the ones we obtain are cached.
 *
 * - Host OAuth (`metadata.secret`, SALESFORCE_OAUTH*): rudder-server owns the token; an expired one is reported with
 *   REFRESH_TOKEN so the server refreshes it (rudder-contract.md B.2 item 11, rudder-server.md 2.6).
 * - Logins we perform (config `authFlow`): the password grant (legacy SALESFORCE; retired by Salesforce on
 *   2027-02-20), the client-credentials grant against the org's My Domain, and the JWT bearer grant (a private key
 *   in the config, signed with Node's crypto). Credentials travel in the form body, never in the URL, and
 *   tokens are cached per destination and credentials with a TTL (the reference's weaknesses W13 and W11,
 *   rudder-contract.md B.10), one login at a time per key
 *   (concurrent callers share it), and evicted when Salesforce says the session is invalid.
 *
 * This module does no HTTP: the login call itself is made by client.ts.
 */
import { createHash, createSign } from 'node:crypto';
import { TtlCache } from '../../../framework/cache';
import { ConfigurationError, OAuthSecretError } from '../../../framework/errors';
import type { Destination, Metadata } from '../../../framework/types';
import { isObject } from '../../../framework/validate';
import {
  GENERIC_LOGIN_HOSTS,
  LOGIN_URL,
  SANDBOX_LOGIN_URL,
  TOKEN_PATH,
  type SalesforceConfig,
} from './config';
import type { SalesforceSettings } from './settings';

/** `oauth`: the host's token; the others: a login we perform (config `authFlow`). */
export type AuthFlow = 'oauth' | 'password' | 'clientCredentials' | 'jwtBearer';

/** What a request to Salesforce needs. Never logged: it holds the access token. */
export interface AuthInfo {
  flow: AuthFlow;
  accessToken: string;
  instanceUrl: string;
  /** Cache key of a token we obtained ourselves (absent for host OAuth tokens). */
  cacheKey?: string;
}

/** A login we must perform: where, and the form to post (built only when the cache misses: a JWT expires). */
export interface LoginRequest {
  flow: Exclude<AuthFlow, 'oauth'>;
  cacheKey: string;
  tokenUrl: string;
  form: () => Record<string, string>;
}

const SECRET_HINT = 'This might be a platform issue. Please contact RudderStack support for assistance.';

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Who holds the session a request uses: the host (rudder-server's OAuth token) or us (a login we perform). */
export type TokenOwner = 'host' | 'us';

/** A job carries the host's OAuth secret: an object with at least one key (rudder-server sends `{}` for none). */
export function carriesHostSecret(metadata: Metadata | undefined): boolean {
  const secret = metadata?.secret;
  return isObject(secret) && Object.keys(secret).length > 0;
}

/**
 * The one rule for who owns the token. A job with the host's secret uses it. SALESFORCE_OAUTH_SANDBOX always uses the
 * host's token (rudder-contract.md B.2 item 10). SALESFORCE_OAUTH uses it unless the destination has credentials
 * of its own to sign in with (the reference falls back to the password grant there). Other definitions sign in.
 */
function tokenOwner(
  definitionName: string,
  metadata: Metadata | undefined,
  ownCredentials: boolean,
): TokenOwner {
  if (carriesHostSecret(metadata)) return 'host';
  const name = definitionName.toUpperCase();
  if (name === 'SALESFORCE_OAUTH_SANDBOX') return 'host';
  if (name === 'SALESFORCE_OAUTH') return ownCredentials ? 'us' : 'host';
  return 'us';
}

/** While transforming: whether this destination's job uses the host's token or a login of ours. */
export function tokenOwnerAtTransform(
  destination: Destination,
  metadata: Metadata | undefined,
  config: SalesforceConfig,
): TokenOwner {
  const ownCredentials = config.authFlow === 'password' ? Boolean(config.userName && config.password) : true;
  return tokenOwner(destination.DestinationDefinition?.Name ?? '', metadata, ownCredentials);
}

/**
 * At delivery (proxy route `destType`): whether the request's token is the host's, so an expired one asks
 * rudder-server for a refresh. A SALESFORCE_OAUTH job that reached delivery without the host's secret was signed in
 * by us at transform time (it had credentials of its own).
 */
export function tokenOwnerAtDelivery(destType: string, metadata: Metadata | undefined): TokenOwner {
  return tokenOwner(destType, metadata, true);
}

/** The host's OAuth session from a job's secret; an OAuthSecretError naming the missing field otherwise (rudder-contract.md B.2). */
export function hostSession(metadata: Metadata | undefined): AuthInfo {
  const secret = metadata?.secret;
  if (!isObject(secret)) {
    throw new OAuthSecretError(`Secret is undefined/null. ${SECRET_HINT}`);
  }
  const { access_token: accessToken, instance_url: instanceUrl } = secret;
  if (!nonEmptyString(accessToken))
    throw new OAuthSecretError(`access_token is undefined/null. ${SECRET_HINT}`);
  if (!nonEmptyString(instanceUrl))
    throw new OAuthSecretError(`instance_url is undefined/null. ${SECRET_HINT}`);
  return { flow: 'oauth', accessToken, instanceUrl: instanceUrl.replace(/\/$/, '') };
}

function fingerprint(parts: (string | undefined)[]): string {
  return createHash('sha256')
    .update(parts.map((p) => p ?? '').join('\u0000'))
    .digest('hex')
    .slice(0, 16);
}

const PREFIX = 'Invalid Salesforce destination config:';

/** What a login is built from: the destination, its config and the environment's settings. */
export interface LoginSource {
  destination: Destination;
  config: SalesforceConfig;
  settings: SalesforceSettings;
}

function clientIdOf({ config, settings }: LoginSource, flow: string): string {
  const clientId = config.clientId ?? settings.clientId;
  if (!clientId) {
    throw new ConfigurationError(
      `${PREFIX} Config.clientId (or the SALESFORCE_CLIENT_ID environment variable) is required for the ${flow} sign-in`,
    );
  }
  return clientId;
}

const clientSecretOf = ({ config, settings }: LoginSource) => config.clientSecret ?? settings.clientSecret;

function requireKeys(
  config: SalesforceConfig,
  keys: readonly ('userName' | 'password' | 'privateKey')[],
  flow: string,
) {
  const missing = keys.filter((k) => !config[k]);
  if (missing.length) {
    throw new ConfigurationError(
      `${PREFIX} Config.${missing.join(' and Config.')} ${missing.length > 1 ? 'are' : 'is'} required for the ${flow} sign-in`,
    );
  }
}

function loginRequest(
  { destination, config }: LoginSource,
  flow: LoginRequest['flow'],
  identity: (string | undefined)[],
  form: () => Record<string, string>,
): LoginRequest {
  return {
    flow,
    // The key changes when any credential changes, so a rotated secret never reuses an old session.
    cacheKey: `${destination.ID}:${flow}:${fingerprint([config.loginUrl, ...identity])}`,
    tokenUrl: `${config.loginUrl}${TOKEN_PATH}`,
    form,
  };
}

function passwordLogin(source: LoginSource): LoginRequest {
  const { config } = source;
  requireKeys(config, ['userName', 'password'], 'username-password');
  const clientId = clientIdOf(source, 'username-password');
  const clientSecret = clientSecretOf(source);
  const password = `${config.password as string}${config.securityToken}`;
  return loginRequest(source, 'password', [clientId, clientSecret, config.userName, password], () => ({
    grant_type: 'password',
    client_id: clientId,
    ...(clientSecret ? { client_secret: clientSecret } : {}),
    username: config.userName as string,
    password,
  }));
}

/** The client-credentials grant; Salesforce refuses it on the shared login hosts (salesforce-api.md 8.4). */
function clientCredentialsLogin(source: LoginSource): LoginRequest {
  const clientId = clientIdOf(source, 'client credentials');
  const clientSecret = clientSecretOf(source);
  if (!clientSecret) {
    throw new ConfigurationError(
      `${PREFIX} Config.clientSecret (or SALESFORCE_CLIENT_SECRET) is required for the client credentials sign-in`,
    );
  }
  if (GENERIC_LOGIN_HOSTS.test(source.config.loginUrl)) {
    throw new ConfigurationError(
      `${PREFIX} Config.loginUrl must be your org's My Domain (https://<domain>.my.salesforce.com) for the client credentials sign-in: Salesforce refuses it on login.salesforce.com and test.salesforce.com`,
    );
  }
  return loginRequest(source, 'clientCredentials', [clientId, clientSecret], () => ({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
  }));
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * The JWT `aud`: Salesforce's authorization server, login.salesforce.com (test.salesforce.com for a sandbox), even
 * when the token is requested from a My Domain; a local simulator is its own audience.
 */
export function jwtAudience(config: SalesforceConfig): string {
  if (/^http:\/\//.test(config.loginUrl) || GENERIC_LOGIN_HOSTS.test(config.loginUrl)) return config.loginUrl;
  return config.sandbox ? SANDBOX_LOGIN_URL : LOGIN_URL;
}

/** A JWT for the bearer flow: RS256, issued by the connected app for the user, valid three minutes. */
export function signJwt(config: SalesforceConfig, clientId: string, nowMs: number): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({
      iss: clientId,
      sub: config.userName,
      aud: jwtAudience(config),
      exp: Math.floor(nowMs / 1000) + 180,
    }),
  );
  try {
    const signature = createSign('RSA-SHA256')
      .update(`${header}.${claims}`)
      .sign(config.privateKey as string);
    return `${header}.${claims}.${base64url(signature)}`;
  } catch {
    throw new ConfigurationError(
      `${PREFIX} Config.privateKey is not a usable PEM private key (RSA) for the JWT bearer sign-in`,
    );
  }
}

function jwtBearerLogin(source: LoginSource, clock: () => number): LoginRequest {
  const { config } = source;
  requireKeys(config, ['userName', 'privateKey'], 'JWT bearer');
  const clientId = clientIdOf(source, 'JWT bearer');
  signJwt(config, clientId, clock()); // fail fast on an unusable key, rather than at login
  return loginRequest(source, 'jwtBearer', [clientId, config.userName, config.privateKey], () => ({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: signJwt(config, clientId, clock()),
  }));
}

/**
 * Logins worked out once per parsed config and destination: every Salesforce call asks for one, and its checks, key
 * test and credential fingerprint do not change between calls. The runtime keeps them (its configs are its own).
 */
export type Logins = WeakMap<SalesforceConfig, Map<string, LoginRequest>>;

/** The login a destination performs; a ConfigurationError naming what is missing. */
export function loginFor(source: LoginSource, clock: () => number, logins: Logins): LoginRequest {
  let byDestination = logins.get(source.config);
  if (!byDestination) logins.set(source.config, (byDestination = new Map()));
  let login = byDestination.get(source.destination.ID);
  if (!login) {
    const flow = source.config.authFlow;
    login =
      flow === 'password'
        ? passwordLogin(source)
        : flow === 'clientCredentials'
          ? clientCredentialsLogin(source)
          : jwtBearerLogin(source, clock);
    byDestination.set(source.destination.ID, login);
  }
  return login;
}

/** How a job authenticates: with the host's token, or with a login of ours. */
export type Credentials = { kind: 'token'; auth: AuthInfo } | { kind: 'login'; login: LoginRequest };

/** Decide how a job authenticates; an OAuthSecretError or a ConfigurationError naming what is missing. */
export function resolveCredentials(
  source: LoginSource & { metadata: Metadata | undefined },
  clock: () => number,
  logins: Logins,
): Credentials {
  const { destination, metadata, config } = source;
  if (tokenOwnerAtTransform(destination, metadata, config) === 'host') {
    return { kind: 'token', auth: hostSession(metadata) };
  }
  return { kind: 'login', login: loginFor(source, clock, logins) };
}

/**
 * Tokens we obtained, per destination and credentials: single-flight logins, TTL, and eviction of a token
 * Salesforce rejected (unless a newer one already replaced it).
 */
export class TokenCache extends TtlCache<AuthInfo> {
  constructor(ttlMs: number, now: () => number) {
    super(() => ttlMs, now);
  }

  /** Forget a token Salesforce rejected, unless a newer one already replaced it. */
  evict(key: string, rejectedToken?: string): void {
    this.delete(key, (auth) => rejectedToken === undefined || auth.accessToken === rejectedToken);
  }

  /** Evict every token of a destination (the proxy knows only the destination id, rudder-contract.md A.2.4). */
  evictDestination(destinationId: string): void {
    this.deleteWhere((key) => key.startsWith(`${destinationId}:`));
  }
}
