/** Org state: schema, records, tokens, metering, faults. Exposed to tests as `sim.state`. */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock';
import { Dml } from './dml';
import { DeserializeError, SfError } from './errors';
import { makeId, normalizeId } from './ids';
import { type FieldDef, type ObjectDef, Schema } from './schema';
import { RecordStore } from './store';
import type {
  Counters,
  EndpointKind,
  Faults,
  FieldValue,
  SimClient,
  SimOptions,
  SimRecord,
  SimUser,
} from './types';

export const DEFAULT_USERS: SimUser[] = [
  { username: 'demo@example.com', password: 'demo-password', securityToken: 'DEMOTOKEN' },
];
export const DEFAULT_CLIENTS: SimClient[] = [
  { clientId: 'sim-client-id', clientSecret: 'sim-client-secret' },
];
export const DEFAULT_TOKEN_TTL_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_DAILY_API_LIMIT = 100_000;

export interface UserEntry extends SimUser {
  userId: string;
}

export interface TokenEntry {
  user: UserEntry;
  clientId: string | undefined;
  expiresAt: number;
}

export interface QueryCursor {
  objectName: string;
  rows: Record<string, unknown>[];
  version: string;
  batchSize: number;
}

function copyRecord(r: SimRecord): SimRecord {
  return { ...r };
}

export class SimState {
  readonly schema: Schema;
  readonly store: RecordStore;
  readonly dml: Dml;
  readonly orgId: string;
  readonly users: UserEntry[];
  readonly clients: SimClient[];
  readonly tokenTtlMs: number;
  readonly dailyApiLimit: number;
  readonly collectionsDeserializeErrors: 'request' | 'record';
  readonly searchIndexLagMs: number;
  /** The simulator's clock (`SimOptions.now`, default `Date.now`): ms since the epoch. */
  readonly now: Clock;
  /** Base URL, set once the server listens. */
  url = '';

  private readonly tokens = new Map<string, TokenEntry>();
  private readonly refreshTokens = new Map<string, UserEntry>();
  private byEndpoint: Record<string, number> = {};
  private used = 0;
  private activeFaults: Faults = {};
  private hold?: { released: Promise<void>; release: () => void };
  private lockedIdSet: ReadonlySet<string> = new Set();
  private lockedEmailSet: ReadonlySet<string> = new Set();
  private readonly cursors = new Map<string, QueryCursor>();
  private cursorSeq = 0;

  constructor(options: SimOptions = {}) {
    this.now = options.now ?? Date.now;
    this.schema = new Schema(options);
    this.store = new RecordStore(this.schema, this.now);
    this.orgId = makeId('00D', 1);
    const users = options.users && options.users.length > 0 ? options.users : DEFAULT_USERS;
    this.users = users.map((u, i) => ({ ...u, userId: makeId('005', i + 1) }));
    this.clients = options.clients && options.clients.length > 0 ? options.clients : DEFAULT_CLIENTS;
    this.tokenTtlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
    this.dailyApiLimit = options.dailyApiLimit ?? DEFAULT_DAILY_API_LIMIT;
    this.collectionsDeserializeErrors = options.collectionsDeserializeErrors ?? 'request';
    this.searchIndexLagMs = options.searchIndexLagMs ?? 0;
    const userIds = new Set(this.users.map((u) => u.userId));
    this.dml = new Dml({
      schema: this.schema,
      store: this.store,
      userIds,
      defaultOwnerId: this.users[0].userId,
      lockedIds: () => this.lockedIdSet,
      lockedEmails: () => this.lockedEmailSet,
      now: this.now,
    });
  }

  // ---------------------------------------------------------------- records

  private objectDef(objectType: string): ObjectDef {
    const def = this.schema.object(objectType);
    if (!def) throw new Error(`Unknown object type: ${objectType}`);
    return def;
  }

  /** Every stored record of the type (copies), deleted ones included (IsDeleted: true), in creation order. */
  records(objectType: string): SimRecord[] {
    const def = this.objectDef(objectType);
    return [...this.store.rows(def)].map(copyRecord);
  }

  /** The record with this 15- or 18-character id, or undefined. */
  get(objectType: string, id: string): SimRecord | undefined {
    const def = this.objectDef(objectType);
    const canonical = normalizeId(id);
    if (canonical === null) return undefined;
    const row = this.store.row(def, canonical);
    return row ? copyRecord(row) : undefined;
  }

  /**
   * Inserts a record directly, bypassing API rules: any field may be set (IsConverted,
   * ConvertedContactId, IsDeleted, CreatedDate, Id...). Unknown fields or bad values throw.
   * Returns the 18-character id.
   */
  seed(objectType: string, fields: Record<string, unknown>): string {
    const def = this.objectDef(objectType);
    const values = new Map<FieldDef, FieldValue>();
    let id: string | undefined;
    for (const [key, raw] of Object.entries(fields)) {
      const f = def.fieldMap.get(key.toLowerCase());
      if (!f) throw new Error(`seed: no such field ${def.name}.${key}`);
      if (f.type === 'id') {
        const canonical = typeof raw === 'string' ? normalizeId(raw) : null;
        if (canonical === null || !canonical.startsWith(def.keyPrefix))
          throw new Error(`seed: bad Id ${String(raw)}`);
        if (this.store.row(def, canonical)) throw new Error(`seed: duplicate Id ${canonical}`);
        id = canonical;
        continue;
      }
      let v: FieldValue | SfError;
      try {
        v = this.dml.coerce(def, f, raw, false);
      } catch (e) {
        if (e instanceof DeserializeError) throw new Error(`seed: ${def.name}.${f.name}: ${e.error.message}`);
        throw e;
      }
      if (v instanceof SfError) throw new Error(`seed: ${def.name}.${f.name}: ${v.errorCode} ${v.message}`);
      values.set(f, v);
    }
    const recordId = id ?? makeId(def.keyPrefix, this.store.nextSeq());
    this.store.put(def, this.dml.buildNew(def, recordId, values, this.now()), 0);
    this.store.commit();
    return recordId;
  }

  // ---------------------------------------------------------------- metering

  /** Counts a call by endpoint kind; `metered` calls also consume the daily allocation. */
  count(kind: EndpointKind, metered: boolean): void {
    this.byEndpoint[kind] = (this.byEndpoint[kind] ?? 0) + 1;
    if (metered) this.used++;
  }

  counters(): Counters {
    return { total: this.used, byEndpoint: { ...this.byEndpoint } };
  }

  resetCounters(): void {
    this.byEndpoint = {};
    this.used = 0;
  }

  /** API usage as reported by Sforce-Limit-Info. */
  apiUsage(): { used: number; max: number } {
    return { used: this.used, max: this.dailyApiLimit };
  }

  /** Sets the consumed allocation (e.g. close to the max, to test REQUEST_LIMIT_EXCEEDED cheaply). */
  setApiUsage(used: number): void {
    this.used = Math.max(0, Math.floor(used));
  }

  limitExceeded(): boolean {
    return this.activeFaults.requestLimitExceeded === true || this.used >= this.dailyApiLimit;
  }

  // ---------------------------------------------------------------- faults

  setFaults(faults: Faults): void {
    this.activeFaults = { ...faults };
    this.holdRequests(faults.holdRequests === true);
    this.lockedIdSet = new Set(
      (faults.lockRowIds ?? []).map((id) => normalizeId(id)).filter((id): id is string => id !== null),
    );
    this.lockedEmailSet = new Set((faults.lockRowEmails ?? []).map((e) => e.toLowerCase()));
  }

  /** Start holding requests, or release the held ones. */
  private holdRequests(hold: boolean): void {
    if (hold && !this.hold) {
      let release: () => void = () => undefined;
      this.hold = { released: new Promise<void>((resolve) => (release = resolve)), release };
    } else if (!hold && this.hold) {
      this.hold.release();
      this.hold = undefined;
    }
  }

  /** While requests are held (Faults.holdRequests): resolves when they are released. */
  heldRequests(): Promise<void> | undefined {
    return this.hold?.released;
  }

  clearFaults(): void {
    this.setFaults({});
  }

  /** Remaining faults (counters decrease as they fire). */
  faults(): Faults {
    return { ...this.activeFaults };
  }

  /** Consumes one unit of a counted fault; true if it fires for this request. */
  takeFault(name: 'status503' | 'status500' | 'dropConnections' | 'malformedBodies'): boolean {
    const n = this.activeFaults[name] ?? 0;
    if (n <= 0) return false;
    this.activeFaults[name] = n - 1;
    return true;
  }

  latencyMs(): number {
    return this.activeFaults.latencyMs ?? 0;
  }

  // ---------------------------------------------------------------- tokens

  issueToken(user: UserEntry, clientId: string | undefined): string {
    const token = `${this.orgId.slice(0, 15)}!AQ${randomBytes(48).toString('base64url')}`;
    this.tokens.set(token, { user, clientId, expiresAt: this.now() + this.tokenTtlMs });
    return token;
  }

  tokenEntry(token: string): TokenEntry | undefined {
    const e = this.tokens.get(token);
    if (!e) return undefined;
    if (this.now() >= e.expiresAt) {
      this.tokens.delete(token);
      return undefined;
    }
    return e;
  }

  /** Every issued access token becomes invalid (calls answer 401 INVALID_SESSION_ID). */
  expireTokens(): void {
    this.tokens.clear();
  }

  /** Issues a refresh token usable with grant_type=refresh_token (default: first user). */
  issueRefreshToken(username?: string): string {
    const user = username === undefined ? this.users[0] : this.users.find((u) => u.username === username);
    if (!user) throw new Error(`Unknown user: ${String(username)}`);
    const token = `5Aep861${randomBytes(40).toString('base64url')}`;
    this.refreshTokens.set(token, user);
    return token;
  }

  refreshTokenUser(token: string): UserEntry | undefined {
    return this.refreshTokens.get(token);
  }

  // ---------------------------------------------------------------- query cursors

  saveCursor(c: QueryCursor): string {
    const id = `01gSIM${(++this.cursorSeq).toString(36).toUpperCase().padStart(9, '0')}`;
    this.cursors.set(id, c);
    if (this.cursors.size > 100) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) this.cursors.delete(oldest);
    }
    return id;
  }

  cursor(id: string): QueryCursor | undefined {
    return this.cursors.get(id);
  }

  // ---------------------------------------------------------------- reset

  /** Clears records, counters, faults and query cursors. Issued tokens stay valid. */
  reset(): void {
    this.store.clear();
    this.resetCounters();
    this.clearFaults();
    this.cursors.clear();
  }
}
