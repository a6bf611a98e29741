/**
 * Where an access token comes from, and how it is cached.
 *
 * - Host OAuth (`metadata.secret`, SALESFORCE_OAUTH*): rudder-server owns the token; an expired one is reported with
 *   REFRESH_TOKEN so the server refreshes it (spec B.2 item 11, rudder-server.md 2.6).
 * - Logins we perform (config `authFlow`): the password grant (legacy SALESFORCE; retired by Salesforce on
 *   2027-02-20), the client-credentials grant against the org's My Domain, and the JWT bearer grant (a private key
 *   in the config, signed with Node's crypto). Credentials travel in the form body, never in the URL (fixes W13).
 *   Tokens are cached per destination and credentials with a TTL (fixes W11), one login at a time per key
 *   (concurrent callers share it), and evicted when Salesforce says the session is invalid.
 *
 * This module does no HTTP: the login call itself is made by client.ts.
 */
import { createHash, createSign } from 'node:crypto';
import { TtlCache } from '../../../framework/cache';
import { envPositiveNumber } from '../../../framework/env';
import { ConfigurationError, OAuthSecretError } from '../../../framework/errors';
import type { Destination, Metadata } from '../../../framework/types';
import {
  GENERIC_LOGIN_HOSTS,
  LOGIN_URL,
  isOAuthDefinition,
  SANDBOX_LOGIN_URL,
  TOKEN_PATH,
  type SalesforceConfig,
} from './config';

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

export type Credentials = { kind: 'token'; auth: AuthInfo } | { kind: 'login'; login: LoginRequest };

const SECRET_HINT = 'This might be a platform issue. Please contact RudderStack support for assistance.';

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Host-managed OAuth applies when the job carries a secret, or the definition is an OAuth one without credentials. */
export function usesHostOAuth(
  destination: Destination,
  metadata: Metadata | undefined,
  config: SalesforceConfig,
): boolean {
  if (metadata?.secret !== undefined && metadata.secret !== null) return true;
  const name = (destination.DestinationDefinition?.Name ?? '').toUpperCase();
  if (!isOAuthDefinition(name)) return false;
  // An OAuth definition without a secret signs in itself only when it has its own credentials (spec B.2).
  const ownCredentials = config.authFlow === 'password' ? Boolean(config.userName && config.password) : true;
  return !ownCredentials;
}

function hostOAuth(metadata: Metadata | undefined): AuthInfo {
  const secret = metadata?.secret;
  if (secret === undefined || secret === null || typeof secret !== 'object') {
    throw new OAuthSecretError(`Secret is undefined/null. ${SECRET_HINT}`);
  }
  const { access_token: accessToken, instance_url: instanceUrl } = secret as Record<string, unknown>;
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

function clientIdOf(config: SalesforceConfig, flow: string): string {
  const clientId = config.clientId ?? process.env.SALESFORCE_CLIENT_ID;
  if (!clientId) {
    throw new ConfigurationError(
      `${PREFIX} Config.clientId (or the SALESFORCE_CLIENT_ID environment variable) is required for the ${flow} sign-in`,
    );
  }
  return clientId;
}

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
  destination: Destination,
  config: SalesforceConfig,
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

function passwordLogin(destination: Destination, config: SalesforceConfig): LoginRequest {
  requireKeys(config, ['userName', 'password'], 'username-password');
  const clientId = clientIdOf(config, 'username-password');
  const clientSecret = config.clientSecret ?? process.env.SALESFORCE_CLIENT_SECRET;
  const password = `${config.password as string}${config.securityToken}`;
  return loginRequest(
    destination,
    config,
    'password',
    [clientId, clientSecret, config.userName, password],
    () => ({
      grant_type: 'password',
      client_id: clientId,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
      username: config.userName as string,
      password,
    }),
  );
}

/** Salesforce hosts where the client-credentials flow is refused (salesforce-api.md 8.4). */

function clientCredentialsLogin(destination: Destination, config: SalesforceConfig): LoginRequest {
  const clientId = clientIdOf(config, 'client credentials');
  const clientSecret = config.clientSecret ?? process.env.SALESFORCE_CLIENT_SECRET;
  if (!clientSecret) {
    throw new ConfigurationError(
      `${PREFIX} Config.clientSecret (or SALESFORCE_CLIENT_SECRET) is required for the client credentials sign-in`,
    );
  }
  if (GENERIC_LOGIN_HOSTS.test(config.loginUrl)) {
    throw new ConfigurationError(
      `${PREFIX} Config.loginUrl must be your org's My Domain (https://<domain>.my.salesforce.com) for the client credentials sign-in: Salesforce refuses it on login.salesforce.com and test.salesforce.com`,
    );
  }
  return loginRequest(destination, config, 'clientCredentials', [clientId, clientSecret], () => ({
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
export function signJwt(config: SalesforceConfig, clientId: string, nowMs = Date.now()): string {
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

function jwtBearerLogin(destination: Destination, config: SalesforceConfig): LoginRequest {
  requireKeys(config, ['userName', 'privateKey'], 'JWT bearer');
  const clientId = clientIdOf(config, 'JWT bearer');
  signJwt(config, clientId); // fail fast on an unusable key, rather than at login
  return loginRequest(
    destination,
    config,
    'jwtBearer',
    [clientId, config.userName, config.privateKey],
    () => ({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: signJwt(config, clientId),
    }),
  );
}

const LOGINS = {
  password: passwordLogin,
  clientCredentials: clientCredentialsLogin,
  jwtBearer: jwtBearerLogin,
} as const;

/** Decide how this job authenticates. Throws a ConfigurationError / OAuthSecretError naming what is missing. */
export function resolveCredentials(
  destination: Destination,
  metadata: Metadata | undefined,
  config: SalesforceConfig,
): Credentials {
  if (usesHostOAuth(destination, metadata, config)) return { kind: 'token', auth: hostOAuth(metadata) };
  return { kind: 'login', login: loginFor(destination, config) };
}

/**
 * The login of a destination, worked out once per parsed config (they are cached per Config object): every
 * Salesforce call asks for it, and its checks, key test and credential fingerprint do not change between calls.
 */
const logins = new WeakMap<SalesforceConfig, Map<string, LoginRequest>>();

function loginFor(destination: Destination, config: SalesforceConfig): LoginRequest {
  let byDestination = logins.get(config);
  if (!byDestination) logins.set(config, (byDestination = new Map()));
  let login = byDestination.get(destination.ID);
  if (!login) {
    login = LOGINS[config.authFlow](destination, config);
    byDestination.set(destination.ID, login);
  }
  return login;
}

/** Seconds a token we obtained stays cached. Salesforce sessions last 2 h by default; we refresh before that. */
export function tokenTtlMs(): number {
  return envPositiveNumber('ACCESS_TOKEN_CACHE_TTL', 3600) * 1000;
}

/**
 * Tokens we obtained, per destination and credentials: single-flight logins, TTL, and eviction of a token
 * Salesforce rejected (unless a newer one already replaced it).
 */
export class TokenCache extends TtlCache<AuthInfo> {
  constructor(now: () => number = Date.now) {
    super(tokenTtlMs, now);
  }

  /** Forget a token Salesforce rejected, unless a newer one already replaced it. */
  evict(key: string, rejectedToken?: string): void {
    this.delete(key, (auth) => rejectedToken === undefined || auth.accessToken === rejectedToken);
  }

  /** Evict every token of a destination (the proxy knows only the destination id, spec A.2.4). */
  evictDestination(destinationId: string): void {
    this.deleteWhere((key) => key.startsWith(`${destinationId}:`));
  }
}

/** The process-wide cache shared by transforms and network handlers. */
export const tokenCache = new TokenCache();
