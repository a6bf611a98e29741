/**
 * Fixtures of the host tests: a legacy (password-flow) destination, an OAuth one, events, and named nock mocks of
 * an in-memory Salesforce client for transforms.
 */
import type { Destination, Metadata } from '../../../src/framework/types';
import type { AuthInfo } from '../../../src/v0/destinations/salesforce/auth';
import type {
  SalesforceClient,
  SessionContext,
  SObjectRecord,
} from '../../../src/v0/destinations/salesforce/client';
import { createSalesforceDestination } from '../../../src/v0/destinations/salesforce/transform';
import { destination as baseDestination } from '../../__mocks__/salesforce';

export const INSTANCE = 'https://initech.my.salesforce.com';
export const API = '/services/data/v62.0';

/** Secret values: the log test fails if any of them shows up in a log line. */
export const SECRETS = {
  password: 'Pw-9f2c1e-secret',
  securityToken: 'SecTok-77ab31',
  clientSecret: 'ClientSecret-5d9e',
  accessToken: '00D5g000004Xyz1!AQ8AQHz.fresh-session-token-abcdef0123456789',
  oauthAccessToken: '00D5g000004Xyz1!AQ8AQOAuth.host-owned-token-0123456789abcdef',
  refreshToken: 'RefreshTok-1a2b3c',
};

const config = {
  userName: 'integration@initech.com',
  password: SECRETS.password,
  initialAccessToken: SECRETS.securityToken,
  clientId: 'initech-client-id',
  clientSecret: SECRETS.clientSecret,
};

/** The shared test destination (test/__mocks__/salesforce.ts) with this suite's credentials. */
export function destination(
  overrides: Record<string, unknown> = {},
  name = 'SALESFORCE',
  id = 'dest-1',
): Destination {
  return baseDestination({ ...config, ...overrides }, name, id);
}

/** The destination as outputs echo it: every key but the secrets. */
export function echoed(dest: Destination): Destination {
  const Config = { ...dest.Config };
  for (const key of ['password', 'initialAccessToken', 'clientSecret', 'privateKey']) delete Config[key];
  return { ...dest, Config };
}

export function identify(
  email: string,
  traits: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    type: 'identify',
    userId: `user-${email}`,
    anonymousId: 'anon-1',
    messageId: `msg-${email}`,
    integrations: { Salesforce: true },
    traits: { email, ...traits },
    ...extra,
  };
}

export function meta(jobId: number, extra: Record<string, unknown> = {}): Metadata {
  return {
    jobId,
    userId: `u${jobId}`,
    destinationId: 'dest-1',
    workspaceId: 'ws-1',
    sourceId: 'src-1',
    attemptNum: 0,
    ...extra,
  };
}

/** A request descriptor as the router emits it for a Lead create. */
export function leadCreateDescriptor(json: Record<string, unknown>, token = SECRETS.accessToken) {
  return {
    version: '1',
    type: 'REST',
    method: 'POST',
    endpoint: `${INSTANCE}${API}/sobjects/Lead`,
    endpointPath: '/sobjects/Lead',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    params: {},
    body: { JSON: json, JSON_ARRAY: {}, XML: {}, FORM: {} },
    files: {},
  };
}

/**
 * An in-memory SalesforceClient: the host tests check the host's shapes, not which lookups the destination makes,
 * so transforms run against this fake (lookups answered from `records`) and only deliveries go through nock.
 */
class FakeClient implements SalesforceClient {
  readonly queries: string[] = [];
  readonly contexts: SessionContext[] = [];

  constructor(private readonly records: { Id: string; Email: string }[] = []) {}

  async authorize(ctx: SessionContext): Promise<AuthInfo> {
    this.contexts.push(ctx);
    const secret = ctx.metadata?.secret as { access_token?: string; instance_url?: string } | undefined;
    if (secret?.access_token && secret.instance_url) {
      return { flow: 'oauth', accessToken: secret.access_token, instanceUrl: secret.instance_url };
    }
    return { flow: 'password', accessToken: SECRETS.accessToken, instanceUrl: INSTANCE, cacheKey: 'fake' };
  }

  async query(_ctx: SessionContext, soql: string): Promise<SObjectRecord[]> {
    this.queries.push(soql);
    const lower = soql.toLowerCase();
    return this.records
      .filter((r) => lower.includes(`'${r.Email.toLowerCase()}'`))
      .map((r) => ({ IsConverted: false, ConvertedContactId: null, IsDeleted: false, ...r }));
  }
}

/** Host handlers whose transform runs on a {@link FakeClient}. */
export function fakeHandlers(records: { Id: string; Email: string }[] = []) {
  const client = new FakeClient(records);
  return { client, handlers: { transform: createSalesforceDestination({ client }) } };
}
