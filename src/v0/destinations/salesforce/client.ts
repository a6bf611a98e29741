/**
 * The only module that calls Salesforce while transforming: logins, SOQL lookups and describes. A batch's lookups
 * share Composite requests: up to five queries per call (salesforce-api.md 2.1), each answered on its own. Transforms receive a
 * {@link SalesforceClient} and never touch HTTP, so tests can swap it and every call is metered in one place.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { TtlCache } from '../../../framework/cache';
import { BaseError, RetryableError } from '../../../framework/errors';
import type { HttpTransport } from '../../../framework/http';
import type { Telemetry } from '../../../framework/telemetry';
import type { Destination, Metadata, ProcessedResponse } from '../../../framework/types';
import { compileValidator } from '../../../framework/validate';
import {
  resolveCredentials,
  tokenOwnerAtTransform,
  type AuthInfo,
  type LoginRequest,
  type Logins,
  type TokenCache,
  type TokenOwner,
} from './auth';
import { dataUrl, type SalesforceConfig } from './config';
import { classify, toContractError } from './errorHandler';
import type { QuotaGuard } from './quota';
import type { SalesforceSettings } from './settings';

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
  /** Salesforce's field type (`string`, `double`, `boolean`, `date`, `reference`...). */
  type: string;
  externalId: boolean;
  createable: boolean;
  updateable: boolean;
  /** Whether the field may be empty (null). */
  nillable: boolean;
}

/** What describe tells about an object: its fields, keyed by lower-cased API name (names are case-insensitive). */
export interface ObjectDescription {
  name: string;
  fields: ReadonlyMap<string, FieldInfo>;
  /**
   * The same fields keyed by their API names as Salesforce spells them: most names the destination checks are spelt
   * so, and find their field without being lower-cased first.
   */
  exact?: ReadonlyMap<string, FieldInfo>;
}

/** The field `name` of an object, whatever the letter case it is written in. */
export function fieldOf(description: ObjectDescription, name: string): FieldInfo | undefined {
  return description.exact?.get(name) ?? description.fields.get(name.toLowerCase());
}

/** A call to the instance: method, path, JSON body; `endpoint` labels it for metering, `suffix` for messages. */
export interface InstanceRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  endpoint: string;
  suffix: string;
}

/** One SOQL query of a batch's lookups; `suffix` ends the messages of its errors. */
export interface QueryRequest {
  soql: string;
  suffix: string;
}

/** Query (or Collections) subrequests one Composite request may carry (salesforce-api.md 2.1). */
export const QUERIES_PER_COMPOSITE = 5;

export interface SalesforceClient {
  /** A session for the destination: the host's OAuth token, or one we log in for (cached). */
  authorize(ctx: SessionContext): Promise<AuthInfo>;
  /** Run a SOQL query and return all its records (following `nextRecordsUrl`). */
  query(ctx: SessionContext, soql: string, suffix: string): Promise<SObjectRecord[]>;
  /**
   * Several queries at once, each settled on its own (in order). Without it, each query is run with `query`; the
   * HTTP client sends them together in Composite requests, one API call per five queries.
   */
  queryMany?(ctx: SessionContext, queries: QueryRequest[]): Promise<PromiseSettledResult<SObjectRecord[]>[]>;
  /** The object's fields (cached per destination). Without it, field checks and native upserts are skipped. */
  describe?(ctx: SessionContext, object: string): Promise<ObjectDescription>;
  /** Throws a ThrottledError when calls must not be spent now (the API quota guard). */
  beforeSpending?(ctx: SessionContext): void;
  /** A write made now (user deletion), `path` under the data URL; throws the classified error of a failure. */
  write?(ctx: SessionContext, request: InstanceRequest): Promise<ProcessedResponse>;
}

/** Run queries together where the client can (Composite requests), else one by one; each settled on its own. */
export function settleQueries(
  client: SalesforceClient,
  ctx: SessionContext,
  requests: QueryRequest[],
): Promise<PromiseSettledResult<SObjectRecord[]>[]> {
  if (client.queryMany) return client.queryMany(ctx, requests);
  return Promise.allSettled(requests.map((r) => client.query(ctx, r.soql, r.suffix)));
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

const CompositeQueryAnswerSchema = Type.Object(
  {
    compositeResponse: Type.Array(
      Type.Object(
        { httpStatusCode: Type.Integer(), referenceId: Type.String(), body: Type.Optional(Type.Unknown()) },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);
type CompositeQueryEntry = Static<typeof CompositeQueryAnswerSchema>['compositeResponse'][number];
const validateCompositeQueryAnswer = compileValidator(
  CompositeQueryAnswerSchema,
  (message) => new RetryableError(`Salesforce returned an unexpected composite lookup response (${message})`),
  'composite lookup response',
);

const DescribeResponseSchema = Type.Object(
  {
    name: Type.String(),
    fields: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          type: Type.Optional(Type.String()),
          externalId: Type.Optional(Type.Boolean()),
          createable: Type.Optional(Type.Boolean()),
          updateable: Type.Optional(Type.Boolean()),
          nillable: Type.Optional(Type.Boolean()),
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

const TOKEN_SUFFIX = ':- authentication failed during fetching access token.';

/** What the HTTP client uses of its runtime. */
export interface ClientDeps {
  http: HttpTransport;
  tokens: TokenCache;
  describes: TtlCache<ObjectDescription>;
  quota: QuotaGuard;
  telemetry: Telemetry;
  settings: SalesforceSettings;
  clock: () => number;
  logins: Logins;
}

function toDescription(body: ReturnType<typeof validateDescribeResponse>): ObjectDescription {
  const fields = new Map<string, FieldInfo>();
  for (const f of body.fields) {
    fields.set(f.name.toLowerCase(), {
      name: f.name,
      type: f.type ?? 'string',
      externalId: f.externalId === true,
      createable: f.createable !== false,
      updateable: f.updateable !== false,
      nillable: f.nillable !== false,
    });
  }
  // Built from the lower-cased map, so a name finds the very field that map gives it.
  const exact = new Map<string, FieldInfo>();
  for (const info of fields.values()) exact.set(info.name, info);
  return { name: body.name, fields, exact };
}

/** The client used in production, the demo and end-to-end tests: Salesforce over HTTP. */
export class HttpSalesforceClient implements SalesforceClient {
  private readonly refusedLogins = new Map<string, { error: BaseError; until: number }>();

  constructor(private readonly deps: ClientDeps) {}

  beforeSpending(ctx: SessionContext): void {
    this.deps.quota.check(ctx.destination.ID, ctx.config.apiQuotaThreshold);
  }

  describe(ctx: SessionContext, object: string): Promise<ObjectDescription> {
    const key = `${ctx.destination.ID}|${ctx.config.apiVersion}|${object.toLowerCase()}`;
    return this.deps.describes.get(key, async () => {
      const path = `${dataUrl('', ctx.config.apiVersion)}/sobjects/${encodeURIComponent(object)}/describe`;
      const response = await this.get(ctx, path, 'describe', `:- during describe of ${object}`);
      return toDescription(validateDescribeResponse(response.response));
    });
  }

  private async login(destinationId: string, login: LoginRequest): Promise<AuthInfo> {
    const response = await this.deps.http({
      method: 'POST',
      url: login.tokenUrl,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      data: new URLSearchParams(login.form()).toString(),
    });
    this.deps.quota.observe(destinationId, 'token', response);
    // The login's own 401 means bad credentials, not an expired session: never a refresh loop.
    const c = classify(response.status, response.response, TOKEN_SUFFIX, { login: true });
    if (c.outcome !== 'success') throw toContractError(c, response, 'us');
    const token = validateTokenResponse(response.response);
    this.deps.telemetry.emit('tokenRefresh', { destinationId, flow: login.flow });
    return {
      flow: login.flow,
      accessToken: token.access_token,
      instanceUrl: token.instance_url.replace(/\/$/, ''),
      cacheKey: login.cacheKey,
    };
  }

  async authorize(ctx: SessionContext): Promise<AuthInfo> {
    const { settings, clock, logins } = this.deps;
    const credentials = resolveCredentials({ ...ctx, settings }, clock, logins);
    if (credentials.kind === 'token') return credentials.auth;
    const { login } = credentials;
    const refused = this.refusedLogins.get(login.cacheKey);
    if (refused && refused.until > clock()) throw refused.error;
    return this.deps.tokens.get(login.cacheKey, () =>
      this.login(ctx.destination.ID, login).catch((error: unknown) => {
        // Credentials Salesforce refused are not retried for a while: repeated failed logins can lock the user.
        if (error instanceof BaseError && error.status === 400) {
          this.refusedLogins.set(login.cacheKey, { error, until: clock() + settings.refusedLoginBackoffMs });
        }
        throw error;
      }),
    );
  }

  /**
   * A call to a path of the instance; a rejected session of ours is evicted and the call made once more with a new
   * login. Any other failure is thrown as its classified contract error.
   */
  private async call(ctx: SessionContext, request: InstanceRequest): Promise<ProcessedResponse> {
    for (let attempt = 0; ; attempt += 1) {
      const auth = await this.authorize(ctx);
      const response = await this.deps.http({
        method: request.method,
        url: `${auth.instanceUrl}${request.path}`,
        headers: {
          Authorization: `Bearer ${auth.accessToken}`,
          Accept: 'application/json',
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        data: request.body,
      });
      this.deps.quota.observe(ctx.destination.ID, request.endpoint, response);
      const owner = auth.flow === 'oauth' ? 'host' : 'us';
      const c = classify(response.status, response.response, request.suffix, { hostToken: owner === 'host' });
      if (c.outcome === 'success') return response;
      if (c.outcome === 'refresh' && auth.cacheKey) {
        this.deps.tokens.evict(auth.cacheKey, auth.accessToken);
        if (attempt === 0) continue;
      }
      throw toContractError(c, response, owner);
    }
  }

  private get(
    ctx: SessionContext,
    path: string,
    endpoint: string,
    suffix: string,
  ): Promise<ProcessedResponse> {
    return this.call(ctx, { method: 'GET', path, endpoint, suffix });
  }

  /** A write made now, not returned as a descriptor (user deletion): `path` is under `/services/data/vXX.X`. */
  async write(ctx: SessionContext, request: InstanceRequest): Promise<ProcessedResponse> {
    return this.call(ctx, { ...request, path: `${dataUrl('', ctx.config.apiVersion)}${request.path}` });
  }

  async query(ctx: SessionContext, soql: string, suffix: string): Promise<SObjectRecord[]> {
    // Paths are relative to the session's instance; `nextRecordsUrl` comes back in the same form.
    return this.pages(
      ctx,
      `${dataUrl('', ctx.config.apiVersion)}/query?q=${encodeURIComponent(soql)}`,
      suffix,
    );
  }

  /** The records of a query from `next` on, following `nextRecordsUrl`. */
  private async pages(
    ctx: SessionContext,
    next: string | undefined,
    suffix: string,
  ): Promise<SObjectRecord[]> {
    const records: SObjectRecord[] = [];
    while (next) {
      const response = await this.get(ctx, next, 'query', suffix);
      const page = validateQueryResponse(response.response);
      records.push(...(page.records as SObjectRecord[]));
      next = page.done ? undefined : page.nextRecordsUrl;
    }
    return records;
  }

  async queryMany(
    ctx: SessionContext,
    queries: QueryRequest[],
  ): Promise<PromiseSettledResult<SObjectRecord[]>[]> {
    const chunks: QueryRequest[][] = [];
    for (let i = 0; i < queries.length; i += QUERIES_PER_COMPOSITE)
      chunks.push(queries.slice(i, i + QUERIES_PER_COMPOSITE));
    const settled = await Promise.all(
      chunks.map((chunk) =>
        chunk.length === 1
          ? Promise.allSettled([this.query(ctx, chunk[0].soql, chunk[0].suffix)])
          : this.compositeQueries(ctx, chunk),
      ),
    );
    return settled.flat();
  }

  /** Up to five queries in one Composite request (one API call); a failure of the request fails each of them. */
  private async compositeQueries(
    ctx: SessionContext,
    queries: QueryRequest[],
  ): Promise<PromiseSettledResult<SObjectRecord[]>[]> {
    const base = dataUrl('', ctx.config.apiVersion);
    const compositeRequest = queries.map((q, i) => ({
      method: 'GET',
      url: `${base}/query?q=${encodeURIComponent(q.soql)}`,
      referenceId: `lookup${i}`,
    }));
    let entries: CompositeQueryEntry[];
    try {
      const request = { method: 'POST' as const, path: `${base}/composite`, endpoint: 'composite-query' };
      const body = { allOrNone: false, compositeRequest };
      const response = await this.call(ctx, { ...request, body, suffix: queries[0].suffix });
      entries = validateCompositeQueryAnswer(response.response).compositeResponse;
    } catch (error) {
      return queries.map(() => ({ status: 'rejected', reason: error }));
    }
    const owner = tokenOwnerAtTransform(ctx.destination, ctx.metadata, ctx.config);
    return Promise.allSettled(
      queries.map((q, i) =>
        this.subqueryRecords(
          ctx,
          q,
          entries.find((e) => e.referenceId === `lookup${i}`),
          owner,
        ),
      ),
    );
  }

  /** One query's answer inside a Composite answer, then its further pages. */
  private async subqueryRecords(
    ctx: SessionContext,
    query: QueryRequest,
    entry: CompositeQueryEntry | undefined,
    owner: TokenOwner,
  ): Promise<SObjectRecord[]> {
    if (!entry) throw new RetryableError(`Salesforce answered no result for a lookup ${query.suffix}`);
    const c = classify(entry.httpStatusCode, entry.body, query.suffix, { hostToken: owner === 'host' });
    if (c.outcome !== 'success')
      throw toContractError(c, { status: entry.httpStatusCode, response: entry.body }, owner);
    const page = validateQueryResponse(entry.body);
    const rest = page.done ? [] : await this.pages(ctx, page.nextRecordsUrl, query.suffix);
    return [...(page.records as SObjectRecord[]), ...rest];
  }
}
