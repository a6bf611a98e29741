/**
 * Where an access token comes from, and how it is cached.
 *
 * - Host OAuth (`metadata.secret`, SALESFORCE_OAUTH*): rudder-server owns the token; an expired one is reported with
 *   REFRESH_TOKEN so the server refreshes it (spec B.2 item 11, rudder-server.md 2.6).
 * - Password grant (legacy SALESFORCE): we log in ourselves with the password + security token, in the form body,
 *   never in the URL (fixes W13). Tokens are cached per destination with a TTL (fixes W11), one login at a time per
 *   destination (concurrent callers share it), and evicted when Salesforce says the session is invalid.
 *
 * This module does no HTTP: the login call itself is made by client.ts.
 */
import { createHash } from 'node:crypto';
import { ConfigurationError, OAuthSecretError } from '../../../framework/errors';
import type { Destination, Metadata } from '../../../framework/types';
import { OAUTH_DEFINITION_NAMES, TOKEN_PATH, type SalesforceConfig } from './config';

export type AuthFlow = 'oauth' | 'password';

/** What a request to Salesforce needs. Never logged: it holds the access token. */
export interface AuthInfo {
  flow: AuthFlow;
  accessToken: string;
  instanceUrl: string;
  /** Cache key of a token we obtained ourselves (absent for host OAuth tokens). */
  cacheKey?: string;
}

/** A login we must perform: where, and the form to post. */
export interface LoginRequest {
  cacheKey: string;
  tokenUrl: string;
  form: Record<string, string>;
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
  if (!(OAUTH_DEFINITION_NAMES as readonly string[]).includes(name)) return false;
  // An OAuth definition without a secret falls back to the password grant only when one is configured (spec B.2).
  return !(config.userName && config.password);
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

function passwordLogin(destination: Destination, config: SalesforceConfig): LoginRequest {
  const missing = (['userName', 'password'] as const).filter((k) => !config[k]);
  if (missing.length) {
    throw new ConfigurationError(
      `Invalid Salesforce destination config: Config.${missing.join(' and Config.')} ${missing.length > 1 ? 'are' : 'is'} required for the username-password sign-in`,
    );
  }
  const clientId = config.clientId ?? process.env.SALESFORCE_CLIENT_ID;
  const clientSecret = config.clientSecret ?? process.env.SALESFORCE_CLIENT_SECRET;
  if (!clientId) {
    throw new ConfigurationError(
      'Invalid Salesforce destination config: Config.clientId (or the SALESFORCE_CLIENT_ID environment variable) is required for the username-password sign-in',
    );
  }
  const form: Record<string, string> = {
    grant_type: 'password',
    client_id: clientId,
    username: config.userName as string,
    password: `${config.password as string}${config.securityToken}`,
  };
  if (clientSecret) form.client_secret = clientSecret;
  return {
    // The key changes when any credential changes, so a rotated password never reuses an old session.
    cacheKey: `${destination.ID}:${fingerprint([config.loginUrl, clientId, clientSecret, config.userName, form.password])}`,
    tokenUrl: `${config.loginUrl}${TOKEN_PATH}`,
    form,
  };
}

/** Decide how this job authenticates. Throws a ConfigurationError / OAuthSecretError naming what is missing. */
export function resolveCredentials(
  destination: Destination,
  metadata: Metadata | undefined,
  config: SalesforceConfig,
): Credentials {
  if (usesHostOAuth(destination, metadata, config)) return { kind: 'token', auth: hostOAuth(metadata) };
  return { kind: 'login', login: passwordLogin(destination, config) };
}

/** Seconds a token we obtained stays cached. Salesforce sessions last 2 h by default; we refresh before that. */
export function tokenTtlMs(): number {
  const seconds = Number(process.env.ACCESS_TOKEN_CACHE_TTL ?? 3600);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000;
}

/**
 * A TTL cache with single-flight loading: while a login for a key is in flight, every caller awaits the same
 * promise; failures are not cached.
 */
export class TokenCache {
  private readonly entries = new Map<string, { auth: AuthInfo; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<AuthInfo>>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string, load: () => Promise<AuthInfo>, ttlMs = tokenTtlMs()): Promise<AuthInfo> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return entry.auth;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const promise = load()
      .then((auth) => {
        this.entries.set(key, { auth, expiresAt: this.now() + ttlMs });
        return auth;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  /** Forget a token Salesforce rejected, unless a newer one already replaced it. */
  evict(key: string, rejectedToken?: string): void {
    const entry = this.entries.get(key);
    if (entry && (rejectedToken === undefined || entry.auth.accessToken === rejectedToken))
      this.entries.delete(key);
  }

  /** Evict every token of a destination (the proxy knows only the destination id, spec A.2.4). */
  evictDestination(destinationId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${destinationId}:`)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.inflight.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The process-wide cache shared by transforms and network handlers. */
export const tokenCache = new TokenCache();
