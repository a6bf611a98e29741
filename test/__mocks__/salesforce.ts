/**
 * Named nock mocks of the Salesforce endpoints the destination calls while transforming, and fixtures shared by
 * the case tables. Every mock must be used: test/setup.ts fails a test that leaves one pending.
 */
import nock from 'nock';
import type { Destination, RouterInput } from '../../src/framework/types';
import { objectSchema } from '../../tools/salesforce-sim';

export const LOGIN_HOST = 'https://login.salesforce.com';
export const SANDBOX_HOST = 'https://test.salesforce.com';
export const INSTANCE = 'https://acme.my.salesforce.com';
const ACCESS_TOKEN = '00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog';

/** Secrets used by the fixtures: tests assert none of them leaks anywhere but the login form. */
export const SECRETS = {
  password: 'Sup3r-Secret-Pw',
  securityToken: 'SECTOKEN123456',
  clientSecret: 'client-secret-xyz',
};

const baseConfig = {
  userName: 'integration@acme.com',
  password: SECRETS.password,
  initialAccessToken: SECRETS.securityToken,
  clientId: 'client-id-abc',
  clientSecret: SECRETS.clientSecret,
};

export function destination(
  config: Record<string, unknown> = {},
  name = 'SALESFORCE',
  id = 'dest-1',
): Destination {
  return {
    ID: id,
    Name: 'Salesforce',
    Config: { ...baseConfig, ...config },
    Enabled: true,
    WorkspaceID: 'ws-1',
    DestinationDefinition: { ID: 'def-1', Name: name, DisplayName: 'Salesforce' },
  };
}

export function identify(traits: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    type: 'identify',
    userId: 'user-1',
    anonymousId: 'anon-1',
    messageId: 'msg-1',
    integrations: { Salesforce: true },
    traits,
    ...extra,
  };
}

export function input(
  message: Record<string, unknown>,
  dest: Destination = destination(),
  metadata: Record<string, unknown> = {},
): RouterInput {
  return {
    message,
    destination: dest,
    metadata: { jobId: 1, destinationId: dest.ID, workspaceId: 'ws-1', ...metadata },
  };
}

/** The password grant, with the credentials in the form body (never in the URL). */
export function mockLogin(host = LOGIN_HOST, instance = INSTANCE) {
  return nock(host)
    .post('/services/oauth2/token', (body: Record<string, string>) => {
      return (
        body.grant_type === 'password' &&
        body.username === baseConfig.userName &&
        body.password === `${SECRETS.password}${SECRETS.securityToken}` &&
        body.client_id === baseConfig.clientId &&
        body.client_secret === SECRETS.clientSecret
      );
    })
    .reply(200, {
      access_token: ACCESS_TOKEN,
      instance_url: instance,
      id: `${host}/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS`,
      token_type: 'Bearer',
      issued_at: '1764400000000',
      signature: 'c2lnbmF0dXJl',
    });
}

export function mockLoginError(status: number, body: unknown, host = LOGIN_HOST) {
  return nock(host)
    .post('/services/oauth2/token')
    .reply(status, body as nock.Body);
}

export function leadQuery(emails: string[]): string {
  const fields = 'SELECT Id, Email, IsConverted, ConvertedContactId, IsDeleted FROM Lead WHERE Email';
  const quote = (e: string) => `'${e.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return emails.length === 1
    ? `${fields} = ${quote(emails[0])}`
    : `${fields} IN (${emails.map(quote).join(', ')})`;
}

export function mockQuery(
  soql: string,
  records: Record<string, unknown>[],
  version = '62.0',
  instance = INSTANCE,
) {
  return nock(instance)
    .get(`/services/data/v${version}/query`)
    .query({ q: soql })
    .matchHeader('authorization', `Bearer ${ACCESS_TOKEN}`)
    .reply(
      200,
      {
        totalSize: records.length,
        done: true,
        records: records.map((r) => ({ attributes: { type: 'Lead' }, ...r })),
      },
      {
        'Sforce-Limit-Info': 'api-usage=12/15000',
      },
    );
}

export function mockQueryError(
  soql: string,
  status: number,
  body: unknown,
  version = '62.0',
  instance = INSTANCE,
) {
  return nock(instance)
    .get(`/services/data/v${version}/query`)
    .query({ q: soql })
    .reply(status, body as nock.Body);
}

export function lead(id: string, email: string, extra: Record<string, unknown> = {}) {
  return { Id: id, Email: email, IsConverted: false, ConvertedContactId: null, IsDeleted: false, ...extra };
}

/** A descriptor with the access token masked, for snapshots. */
export function normalise<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).split(ACCESS_TOKEN).join('<access-token>')) as T;
}

export interface DescribeOptions {
  extra?: string[];
  externalIds?: string[];
  /** Replace the standard fields. */
  only?: string[];
}

interface DescribedField {
  name: string;
  type: string;
  createable: boolean;
  updateable: boolean;
  externalId: boolean;
}

/** The object's fields as the simulated org describes them (the same schema the simulator serves). */
function standardFields(object: string): DescribedField[] {
  const schema = objectSchema(object);
  if (!schema) return [{ name: 'Id', type: 'id', createable: false, updateable: false, externalId: false }];
  return schema.fields.map(({ name, type, createable, updateable, externalId }) => ({
    name,
    type,
    createable,
    updateable,
    externalId,
  }));
}

/** A writable field the test adds (a custom field), or one of `only`. */
const writable = (name: string, externalIds: string[] = []): DescribedField => ({
  name,
  type: 'string',
  createable: name !== 'Id',
  updateable: name !== 'Id',
  externalId: externalIds.includes(name),
});

/** `GET /sobjects/<Object>/describe`: the simulated org's fields of the object, plus `extra` custom fields. */
export function mockDescribe(
  object: string,
  options: DescribeOptions = {},
  version = '62.0',
  instance = INSTANCE,
) {
  const base = options.only
    ? options.only.map((name) => writable(name, options.externalIds))
    : standardFields(object).map((f) => ({
        ...f,
        externalId: f.externalId || (options.externalIds ?? []).includes(f.name),
      }));
  const fields = [...base, ...(options.extra ?? []).map((name) => writable(name, options.externalIds))];
  return nock(instance)
    .get(`/services/data/v${version}/sobjects/${object}/describe`)
    .reply(200, { name: object, custom: object.endsWith('__c'), fields });
}

/** Any token grant whose form body satisfies `accept`. */
export function mockTokenGrant(
  accept: (body: Record<string, string>) => boolean,
  host = LOGIN_HOST,
  instance = INSTANCE,
) {
  return nock(host).post('/services/oauth2/token', accept).reply(200, {
    access_token: ACCESS_TOKEN,
    instance_url: instance,
    token_type: 'Bearer',
    issued_at: '1764400000000',
  });
}
