/**
 * A TTL cache with single-flight loading: while a load for a key is in flight, every caller awaits the same
 * promise; failures are not cached. Used for access tokens and sObject describes.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<T>>();

  constructor(
    private readonly defaultTtlMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<T>, ttlMs = this.defaultTtlMs()): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return entry.value;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const promise = load()
      .then((value) => {
        this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  /** Remove a key, or only when `when` approves the cached value. */
  delete(key: string, when?: (value: T) => boolean): void {
    const entry = this.entries.get(key);
    if (entry && (!when || when(entry.value))) this.entries.delete(key);
  }

  deleteWhere(match: (key: string) => boolean): void {
    for (const key of this.entries.keys()) if (match(key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.inflight.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
