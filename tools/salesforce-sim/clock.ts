/**
 * The simulator's time source. Token expiry, JWT `exp`, `issued_at`, CreatedDate/LastModifiedDate and the
 * search-index lag all read it, so a test can move time with a manual clock instead of waiting. Also the
 * datetime format records are stored in.
 */

/** Milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number;

/** A clock that only moves when told to. Pass its `now` as `SimOptions.now`. */
export interface ManualClock {
  readonly now: Clock;
  /** Moves time forward by `ms` (a finite number, at least 0). */
  advance(ms: number): void;
  /** Jumps to an absolute time in ms since the epoch. */
  set(ms: number): void;
}

/** 2026-01-01T00:00:00Z: a fixed start, so tests that print dates see the same value on every run. */
export const MANUAL_CLOCK_START = Date.UTC(2026, 0, 1);

export function manualClock(startMs: number = MANUAL_CLOCK_START): ManualClock {
  let current = checked(startMs, 'startMs');
  return {
    now: () => current,
    advance(ms: number): void {
      if (checked(ms, 'advance') < 0) throw new Error('manualClock.advance: time only moves forward');
      current += ms;
    },
    set(ms: number): void {
      current = checked(ms, 'set');
    },
  };
}

function checked(ms: number, what: string): number {
  if (!Number.isFinite(ms)) throw new Error(`manualClock.${what}: ${String(ms)} is not a finite number`);
  return ms;
}

/** Salesforce's datetime form: `2026-01-01T00:00:00.000+0000`. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Milliseconds of an ISO datetime, also in Salesforce's `+0000` offset form (no colon); NaN if invalid. */
export function parseDateTime(text: string): number {
  return Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
