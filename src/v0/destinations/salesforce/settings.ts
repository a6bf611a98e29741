/**
 * The destination's settings from the environment, read once when a runtime is created (never at import, never per
 * event). Numbers go through one checked reader: a typo such as `30s` falls back to the default instead of NaN.
 */
import { envPositiveNumber } from '../../../framework/env';

export interface SalesforceSettings {
  /** `SALESFORCE_CLIENT_ID` / `SALESFORCE_CLIENT_SECRET`: the connected app when the config names none. */
  clientId?: string;
  clientSecret?: string;
  /** `SALESFORCE_WRITE_MODE` as given; checked when a config without `writeMode` needs it. */
  writeMode?: string;
  /** `ACCESS_TOKEN_CACHE_TTL` (seconds, default 3600): how long a token we obtained is reused. */
  tokenTtlMs: number;
  /** `SALESFORCE_DESCRIBE_TTL_SECONDS` (default 3600): how long an object's describe is reused. */
  describeTtlMs: number;
  /** `SALESFORCE_QUOTA_COOLDOWN_SECONDS` (default 300): how long the quota guard holds calls back. */
  quotaCooldownMs: number;
  /** `REQUEST_TIMEOUT_IN_MS` (default 60000): per Salesforce call; the proxy's `RdProxy-Timeout` may lower it. */
  requestTimeoutMs: number;
  /** How long refused credentials are answered from memory instead of trying to log in again. */
  refusedLoginBackoffMs: number;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): SalesforceSettings {
  const text = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  return {
    clientId: text('SALESFORCE_CLIENT_ID'),
    clientSecret: text('SALESFORCE_CLIENT_SECRET'),
    writeMode: text('SALESFORCE_WRITE_MODE'),
    tokenTtlMs: envPositiveNumber('ACCESS_TOKEN_CACHE_TTL', 3600, env) * 1000,
    describeTtlMs: envPositiveNumber('SALESFORCE_DESCRIBE_TTL_SECONDS', 3600, env) * 1000,
    quotaCooldownMs: envPositiveNumber('SALESFORCE_QUOTA_COOLDOWN_SECONDS', 300, env) * 1000,
    requestTimeoutMs: envPositiveNumber('REQUEST_TIMEOUT_IN_MS', 60_000, env),
    refusedLoginBackoffMs: 60_000,
  };
}
