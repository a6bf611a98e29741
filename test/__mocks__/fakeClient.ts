/**
 * An in-memory SalesforceClient for planner tests: answers SOQL lookups from a list of records by parsing the
 * `WHERE <field> = | IN (...)` clause the destination writes. It counts calls so tests can assert the API budget.
 */
import type { AuthInfo } from '../../src/v0/destinations/salesforce/auth';
import type {
  ObjectDescription,
  SalesforceClient,
  SessionContext,
  SObjectRecord,
} from '../../src/v0/destinations/salesforce/client';

export class FakeClient implements SalesforceClient {
  queries: string[] = [];
  /** Logins: the first authorize per destination (later ones are cache hits, as in the real client). */
  authorizations = 0;
  private readonly sessions = new Set<string>();
  failQuery?: (soql: string) => unknown;
  failAuth?: unknown;

  /** Objects' writable fields, when the test wants describe-based field checks. */
  fields?: Record<string, string[]>;
  /** Field types other than text, by `Object.Field` (`Account.NumberOfEmployees: 'int'`). */
  types: Record<string, string> = {};

  constructor(private readonly records: Record<string, SObjectRecord[]> = {}) {}

  /** Present only when `fields` is set (a client without describe skips field checks). */
  get describe(): ((ctx: SessionContext, object: string) => Promise<ObjectDescription>) | undefined {
    const known = this.fields;
    if (!known) return undefined;
    return async (_ctx, object) => ({
      name: object,
      fields: new Map(
        (known[object] ?? []).map((name) => [
          name.toLowerCase(),
          {
            name,
            type: this.types[`${object}.${name}`] ?? 'string',
            externalId: false,
            createable: true,
            updateable: true,
            nillable: true,
          },
        ]),
      ),
    });
  }

  async authorize(ctx: SessionContext): Promise<AuthInfo> {
    if (this.failAuth) throw this.failAuth;
    if (!this.sessions.has(ctx.destination.ID)) this.authorizations += 1;
    this.sessions.add(ctx.destination.ID);
    return {
      flow: 'password',
      accessToken: 'fake-token',
      instanceUrl: 'https://fake.my.salesforce.com',
      cacheKey: 'k',
    };
  }

  async query(_ctx: SessionContext, soql: string): Promise<SObjectRecord[]> {
    this.queries.push(soql);
    const failure = this.failQuery?.(soql);
    if (failure) throw failure;
    const match = /FROM (\w+) WHERE (\w+) (?:= (.+)|IN \((.+)\))$/.exec(soql);
    if (!match) throw new Error(`unexpected SOQL ${soql}`);
    const [, object, field, single, list] = match;
    const values = (single ?? list)
      .split(/,\s*(?=')/)
      .map((v) => v.trim().replace(/^'|'$/g, '').replace(/\\(.)/g, '$1').toLowerCase());
    return (this.records[object] ?? []).filter((r) => values.includes(String(r[field]).toLowerCase()));
  }
}
