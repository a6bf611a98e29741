/** In-memory record storage with exact-match indexes and an undo journal for rollbacks. */
import type { Clock } from './clock';
import type { ObjectDef, Schema } from './schema';
import type { FieldValue, SimRecord } from './types';

interface UndoEntry {
  object: ObjectDef;
  id: string;
  /** The record before the write; undefined when the write inserted it. */
  before: SimRecord | undefined;
  beforeWrittenAt: number | undefined;
}

interface Table {
  def: ObjectDef;
  rows: Map<string, SimRecord>;
  /** field name -> lower-cased value -> ids */
  indexes: Map<string, Map<string, Set<string>>>;
  writtenAt: Map<string, number>;
  /** id -> insertion number: the order rows were created in (what a full scan returns), without a scan. */
  inserted: Map<string, number>;
}

export function indexKey(v: FieldValue): string | null {
  if (v === null || v === undefined) return null;
  return String(v).toLowerCase();
}

export class RecordStore {
  private readonly tables = new Map<string, Table>();
  private journal: UndoEntry[] = [];
  private seq = 0;
  private insertions = 0;

  constructor(
    private readonly schema: Schema,
    private readonly now: Clock,
  ) {
    this.clear();
  }

  clear(): void {
    this.tables.clear();
    this.journal = [];
    for (const def of this.schema.objects()) {
      const indexes = new Map<string, Map<string, Set<string>>>();
      for (const f of def.fields) if (f.indexed && f.type !== 'id') indexes.set(f.name, new Map());
      this.tables.set(def.name, { def, rows: new Map(), indexes, writtenAt: new Map(), inserted: new Map() });
    }
  }

  nextSeq(): number {
    return ++this.seq;
  }

  private table(def: ObjectDef): Table {
    const t = this.tables.get(def.name);
    if (!t) throw new Error(`no table for ${def.name}`);
    return t;
  }

  /** Live row (do not mutate; use put). */
  row(def: ObjectDef, id: string): SimRecord | undefined {
    return this.table(def).rows.get(id);
  }

  rows(def: ObjectDef): IterableIterator<SimRecord> {
    return this.table(def).rows.values();
  }

  /** Where a row stands in creation order (the order of `rows`), to sort index hits as a full scan would. */
  insertionOrder(def: ObjectDef, id: string): number {
    return this.table(def).inserted.get(id) ?? 0;
  }

  writtenAt(def: ObjectDef, id: string): number {
    return this.table(def).writtenAt.get(id) ?? 0;
  }

  /** Ids whose indexed field equals the value (case-insensitive), or undefined if not indexed. */
  lookup(def: ObjectDef, field: string, value: FieldValue): Set<string> | undefined {
    const idx = this.table(def).indexes.get(field);
    if (!idx) return undefined;
    const k = indexKey(value);
    if (k === null) return new Set();
    return idx.get(k) ?? new Set();
  }

  /** Inserts or replaces a row, journaling the previous state. */
  put(def: ObjectDef, rec: SimRecord, writtenAt = this.now()): void {
    const t = this.table(def);
    const before = t.rows.get(rec.Id);
    this.journal.push({ object: def, id: rec.Id, before, beforeWrittenAt: t.writtenAt.get(rec.Id) });
    this.setRow(t, rec.Id, rec, writtenAt);
  }

  private setRow(t: Table, id: string, rec: SimRecord | undefined, writtenAt: number | undefined): void {
    const before = t.rows.get(id);
    for (const [field, idx] of t.indexes) {
      const oldK = before ? indexKey(before[field]) : null;
      const newK = rec ? indexKey(rec[field]) : null;
      if (oldK === newK) continue;
      if (oldK !== null) {
        const s = idx.get(oldK);
        if (s) {
          s.delete(id);
          if (s.size === 0) idx.delete(oldK);
        }
      }
      if (newK !== null) {
        let s = idx.get(newK);
        if (!s) {
          s = new Set();
          idx.set(newK, s);
        }
        s.add(id);
      }
    }
    if (rec) {
      if (!before) t.inserted.set(id, this.insertions++);
      t.rows.set(id, rec);
    } else {
      t.rows.delete(id);
      t.inserted.delete(id);
    }
    if (writtenAt === undefined) t.writtenAt.delete(id);
    else t.writtenAt.set(id, writtenAt);
  }

  /** A position in the journal to roll back to. */
  savepoint(): number {
    return this.journal.length;
  }

  rollbackTo(savepoint: number): void {
    while (this.journal.length > savepoint) {
      const e = this.journal.pop();
      if (!e) break;
      this.setRow(this.table(e.object), e.id, e.before, e.beforeWrittenAt);
    }
  }

  /** Forgets the journal (called once a top-level request has finished). */
  commit(): void {
    this.journal = [];
  }
}
