/**
 * Observation points for the host's metrics and logs. Destinations report to the {@link Telemetry} of their runtime;
 * the host (src/server) listens to it. Nothing here carries a secret: only names, counts and statuses.
 */
export interface ApiCallEvent {
  destinationId: string;
  /** A low-cardinality endpoint kind, such as `token`, `query`, `describe`, `delivery`. */
  endpoint: string;
  status: number;
}
export interface ApiUsageEvent {
  destinationId: string;
  used: number;
  max: number;
}
export interface TelemetryListener {
  apiCall?(event: ApiCallEvent): void;
  apiUsage?(event: ApiUsageEvent): void;
  tokenRefresh?(event: { destinationId: string; flow: string }): void;
  batch?(event: { destinationId: string; size: number; outputs: number }): void;
}

/** A set of listeners; reporting never fails the caller. */
export class Telemetry {
  private readonly listeners = new Set<TelemetryListener>();

  /** Listen; returns the function that stops listening. */
  listen(listener: TelemetryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<K extends keyof TelemetryListener>(
    kind: K,
    event: Parameters<NonNullable<TelemetryListener[K]>>[0],
  ): void {
    for (const listener of this.listeners) {
      try {
        (listener[kind] as ((e: typeof event) => void) | undefined)?.(event);
      } catch {
        // A failing listener must never fail a transform.
      }
    }
  }
}

/** `Sforce-Limit-Info: api-usage=18/15000` → `{used: 18, max: 15000}`. */
export function parseLimitInfo(header: string | undefined): { used: number; max: number } | undefined {
  const match = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return match ? { used: Number(match[1]), max: Number(match[2]) } : undefined;
}
