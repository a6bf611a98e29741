/** Public types of the Salesforce org simulator. */

export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime';

export type FieldValue = string | number | boolean | null;

/** A stored record: `Id` plus every field of the object, keyed by the field's canonical API name. */
export interface SimRecord {
  Id: string;
  [field: string]: FieldValue;
}

export interface SimUser {
  username: string;
  password: string;
  securityToken: string;
}

export interface SimClient {
  clientId: string;
  clientSecret: string;
}

export interface SimOptions {
  /** 0 (default) = random free port. */
  port?: number;
  users?: SimUser[];
  clients?: SimClient[];
  /** Access-token lifetime; afterwards calls answer 401 INVALID_SESSION_ID. Default 2 h. */
  tokenTtlMs?: number;
  /** Daily API allocation (Sforce-Limit-Info max). Default 100000. */
  dailyApiLimit?: number;
  /** Extra fields per standard object, e.g. `{ Lead: { newProp__c: 'string' } }`. */
  customFields?: Record<string, Record<string, FieldType>>;
  /** Custom objects: `{ Product__c: { Name: 'string', Sku__c: 'string' } }`. */
  customObjects?: Record<string, Record<string, FieldType>>;
  /** Object -> external-id fields (upsert keys; describe `externalId: true`). */
  externalIdFields?: Record<string, string[]>;
  /**
   * How Collections requests react to a record that cannot be deserialised (unknown field, unknown
   * attributes.type, value of the wrong JSON type): 'request' (default) fails the whole request with
   * HTTP 400, as the JSON is rejected before any row is processed; 'record' reports it per record.
   */
  collectionsDeserializeErrors?: 'request' | 'record';
  /** parameterizedSearch ignores records written less than this many ms ago (index lag). Default 0. */
  searchIndexLagMs?: number;
  /**
   * The clock (ms since the epoch) behind token expiry, JWT `exp`, `issued_at`, CreatedDate/LastModifiedDate
   * and the search-index lag. Default `Date.now`; tests pass `manualClock().now` to move time without
   * waiting. Injected latency (`Faults.latencyMs`) stays real time.
   */
  now?: () => number;
}

export interface Faults {
  /** Delay added before every (non-admin) response. */
  latencyMs?: number;
  /**
   * Hold every (non-admin) request, unanswered and not yet applied, until the faults are set without it (or
   * cleared): a Salesforce slower than any client timeout, with no race against real time.
   */
  holdRequests?: boolean;
  /** The next N REST calls answer 503 SERVER_UNAVAILABLE. */
  status503?: number;
  /** The next N REST calls answer 500 UNKNOWN_EXCEPTION. */
  status500?: number;
  /** Writes to these record ids fail with UNABLE_TO_LOCK_ROW. */
  lockRowIds?: string[];
  /** Creates/updates whose Email matches (case-insensitive) fail with UNABLE_TO_LOCK_ROW. */
  lockRowEmails?: string[];
  /** The next N requests (token or REST) get their socket destroyed without an answer. */
  dropConnections?: number;
  /** The next N REST calls answer 200 with a body that is not valid JSON. */
  malformedBodies?: number;
  /** While true every REST call answers 403 REQUEST_LIMIT_EXCEEDED. */
  requestLimitExceeded?: boolean;
}

export interface Counters {
  /** API calls counted against the daily allocation (token and versions calls excluded). */
  total: number;
  /** Calls per endpoint kind; 'token' calls are listed here although they are not metered. */
  byEndpoint: Record<string, number>;
}

export type EndpointKind =
  | 'token'
  | 'identity'
  | 'query'
  | 'search'
  | 'describe'
  | 'limits'
  | 'sobject-create'
  | 'sobject-get'
  | 'sobject-update'
  | 'sobject-upsert'
  | 'sobject-delete'
  | 'collections-create'
  | 'collections-update'
  | 'collections-upsert'
  | 'collections-delete'
  | 'collections-get'
  | 'composite'
  | 'other';
