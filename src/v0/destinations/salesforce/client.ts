/**
 * The only module that calls Salesforce while transforming: logins and SOQL lookups. Transforms receive a
 * {@link SalesforceClient} and never touch HTTP, so tests can swap it and every call is metered in one place.
 */
import { Type } from '@sinclair/typebox';
import { RetryableError, TransformerError } from '../../../framework/errors';
import { send } from '../../../framework/http';
import { emit } from '../../../framework/telemetry';
import type { Destination, Metadata, ProcessedResponse } from '../../../framework/types';
import { compileValidator } from '../../../framework/validate';
import { TtlCache } from '../../../framework/cache';
import { envPositiveNumber } from '../../../framework/env';
import { quotaGuard, type QuotaGuard } from './quota';
import { resolveCredentials, tokenCache, type AuthInfo, type LoginRequest, type TokenCache } from './auth';
import { dataUrl, type SalesforceConfig } from './config';
import { classify, toTransformerError } from './errorHandler';

/** What a client needs to act for one destination. */
export interface SessionContext {
  destination: Destination;
  /** Metadata of a job of the batch: carries the host's OAuth secret when there is one. */
  metadata: Metadata | undefined;
  config: SalesforceConfig;
}

export type SObjectRecord = Record<string, unknown> & { Id: string };

export interface FieldInfo {
  name: string;
  externalId: boolean;
  createable: boolean;
  updateable: boolean;
}

/** What describe tells about an object: its fields, keyed by lower-cased API name (names are case-insensitive). */
export interface ObjectDescription {
  name: string;
  fields: ReadonlyMap<string, FieldInfo>;
}

export interface SalesforceClient {
  /** A session for the destination: the host's OAuth token, or one we log in for (cached). */
  authorize(ctx: SessionContext): Promise<AuthInfo>;
  /** Run a SOQL query and return all its records (following `nextRecordsUrl`). */
  query(ctx: SessionContext, soql: string, suffix: string): Promise<SObjectRecord[]>;
  /** The object's fields (cached per destination). Without it, field checks and native upserts are skipped. */
  describe?(ctx: SessionContext, object: string): Promise<ObjectDescription>;
  /** Throws a ThrottledError when calls must not be spent now (the API quota guard). */
  beforeSpending?(ctx: SessionContext): void;
}

const TokenResponseSchema = Type.Object(
  { access_token: Type.String({ minLength: 1 }), instance_url: Type.String({ pattern: '^https?://' }) },
  { additionalProperties: true },
);
const validateTokenResponse = compileValidator(
  TokenResponseSchema,
  (message) =>
    new RetryableError(
      `Salesforce returned an unusable token response (${message}) :- authentication failed during fetching access token.`,
    ),
  'token response',
);

const QueryResponseSchema = Type.Object(
  {
    totalSize: Type.Number(),
    done: Type.Boolean(),
    nextRecordsUrl: Type.Optional(Type.String()),
    records: Type.Array(Type.Object({ Id: Type.String() }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);
const validateQueryResponse = compileValidator(
  QueryResponseSchema,
  (message) => new RetryableError(`Salesforce returned an unexpected query response (${message})`),
  'query response',
);

const DescribeResponseSchema = Type.Object(
  {
    name: Type.String(),
    fields: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          externalId: Type.Optional(Type.Boolean()),
          createable: Type.Optional(Type.Boolean()),
          updateable: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);
const validateDescribeResponse = compileValidator(
  DescribeResponseSchema,
  (message) => new RetryableError(`Salesforce returned an unexpected describe response (${message})`),
  'describe response',
);

/** Seconds an object's describe stays cached; fields change rarely. */
export function describeTtlMs(): number {
  return envPositiveNumber('SALESFORCE_DESCRIBE_TTL_SECONDS', 3600) * 1000;
}

const TOKEN_SUFFIX = ':- authentication failed during fetching access token.';

/** The HTTP implementation used in production, the demo and end-to-end tests. */
/** How long refused credentials are answered from memory instead of trying to log in again. */
export const REFUSED_LOGIN_BACKOFF_MS = 60_000;

export class HttpSalesforceClient implements SalesforceClient {
  private readonly refusedLogins = new Map<string, { error: TransformerError; until: number }>();

  constructor(
    private readonly cache: TokenCache = tokenCache,
    private readonly describes: TtlCache<ObjectDescription> = new TtlCache(describeTtlMs),
    private readonly guard: QuotaGuard = quotaGuard,
  ) {}

  beforeSpending(ctx: SessionContext): void {
    this.guard.check(ctx.destination.ID, ctx.config.apiQuotaThreshold);
  }

  describe(ctx: SessionContext, object: string): Promise<ObjectDescription> {
    const key = `${ctx.destination.ID}|${ctx.config.apiVersion}|${object.toLowerCase()}`;
    return this.describes.get(key, async () => {
      const path = `${dataUrl('', ctx.config.apiVersion)}/sobjects/${encodeURIComponent(object)}/describe`;
      const response = await this.get(ctx, path, 'describe', `:- during describe of ${object}`);
      const body = validateDescribeResponse(response.response);
      const fields = new Map<string, FieldInfo>();
      for (const f of body.fields) {
        fields.set(f.name.toLowerCase(), {
          name: f.name,
          externalId: f.externalId === true,
          createable: f.createable !== false,
          updateable: f.updateable !== false,
        });
      }
      return { name: body.name, fields };
    });
  }

  private async login(destinationId: string, login: LoginRequest): Promise<AuthInfo> {
    const response = await send({
      method: 'POST',
      url: login.tokenUrl,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      data: new URLSearchParams(login.form()).toString(),
    });
    this.guard.observe(destinationId, 'token', response);
    // The login's own 401 means bad credentials, not an expired session: never a refresh loop.
    const c = classify(response.status, response.response, TOKEN_SUFFIX, { login: true });
    if (c.outcome !== 'success') throw toTransformerError(c, response, false);
    const token = validateTokenResponse(response.response);
    emit('tokenRefresh', { destinationId, flow: login.flow });
    return {
      flow: login.flow,
      accessToken: token.access_token,
      instanceUrl: token.instance_url.replace(/\/$/, ''),
      cacheKey: login.cacheKey,
    };
  }

  async authorize(ctx: SessionContext): Promise<AuthInfo> {
    const credentials = resolveCredentials(ctx.destination, ctx.metadata, ctx.config);
    if (credentials.kind === 'token') return credentials.auth;
    const { login } = credentials;
    const refused = this.refusedLogins.get(login.cacheKey);
    if (refused && refused.until > Date.now()) throw refused.error;
    return this.cache.get(login.cacheKey, () =>
      this.login(ctx.destination.ID, login).catch((error: unknown) => {
        // Credentials Salesforce refused are not retried for a while: repeated failed logins can lock the user.
        if (error instanceof TransformerError && error.status === 400) {
          this.refusedLogins.set(login.cacheKey, { error, until: Date.now() + REFUSED_LOGIN_BACKOFF_MS });
        }
        throw error;
      }),
    );
  }

  /** GET a path of the instance with the session; a rejected session we own is evicted and the call retried once with a new login. */
  private async get(
    ctx: SessionContext,
    url: string,
    endpoint: string,
    suffix: string,
  ): Promise<ProcessedResponse> {
    for (let attempt = 0; ; attempt += 1) {
      const auth = await this.authorize(ctx);
      const absolute = `${auth.instanceUrl}${url}`;
      const response = await send({
        method: 'GET',
        url: absolute,
        headers: { Authorization: `Bearer ${auth.accessToken}`, Accept: 'application/json' },
      });
      this.guard.observe(ctx.destination.ID, endpoint, response);
      const c = classify(response.status, response.response, suffix);
      if (c.outcome === 'success') return response;
      if (c.outcome === 'refresh' && auth.cacheKey) {
        this.cache.evict(auth.cacheKey, auth.accessToken);
        if (attempt === 0) continue;
      }
      throw toTransformerError(c, response, auth.flow === 'oauth') as TransformerError;
    }
  }

  async query(ctx: SessionContext, soql: string, suffix: string): Promise<SObjectRecord[]> {
    const records: SObjectRecord[] = [];
    // Paths are relative to the session's instance; `nextRecordsUrl` comes back in the same form.
    let next: string | undefined =
      `${dataUrl('', ctx.config.apiVersion)}/query?q=${encodeURIComponent(soql)}`;
    while (next) {
      const response = await this.get(ctx, next, 'query', suffix);
      const page = validateQueryResponse(response.response);
      records.push(...(page.records as SObjectRecord[]));
      next = page.done ? undefined : page.nextRecordsUrl;
    }
    return records;
  }
}

export const defaultClient: SalesforceClient = new HttpSalesforceClient();
