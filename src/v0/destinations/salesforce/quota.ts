/**
 * The API quota guard. Every Salesforce REST answer carries `Sforce-Limit-Info: api-usage=<used>/<max>`
 * (salesforce-api.md 6.3), and Salesforce gives no Retry-After: once the daily allocation is spent, every call fails
 * with 403 REQUEST_LIMIT_EXCEEDED until the rolling window frees some. So we watch the usage on every answer (lookups,
 * logins, deliveries) and, past a share of the allocation (`apiQuotaThreshold`, default 95%), stop spending calls:
 * jobs are throttled (429) and rudder-server retries them later. After a cool-down one batch goes through again; its
 * answers tell whether usage has recovered.
 */
import { ThrottledError } from '../../../framework/errors';
import { parseLimitInfo, type Telemetry } from '../../../framework/telemetry';
import type { ProcessedResponse } from '../../../framework/types';

export interface Usage {
  used: number;
  max: number;
  at: number;
}

export class QuotaGuard {
  private readonly usage = new Map<string, Usage>();

  constructor(
    private readonly now: () => number,
    private readonly cooldownMs: number,
    private readonly telemetry: Telemetry,
  ) {}

  record(destinationId: string, used: number, max: number): void {
    if (max > 0) this.usage.set(destinationId, { used, max, at: this.now() });
  }

  /**
   * One Salesforce answer for a destination: reported as an API call, and its `Sforce-Limit-Info` usage recorded
   * and reported. Every answer goes through here: logins, lookups, describes and deliveries.
   */
  observe(destinationId: string, endpoint: string, response: ProcessedResponse): void {
    this.telemetry.emit('apiCall', { destinationId, endpoint, status: response.status });
    const usage = parseLimitInfo(response.headers?.['sforce-limit-info']);
    if (usage) {
      this.record(destinationId, usage.used, usage.max);
      this.telemetry.emit('apiUsage', { destinationId, ...usage });
    }
  }

  latest(destinationId: string): Usage | undefined {
    return this.usage.get(destinationId);
  }

  /** The reason to hold calls back, or undefined when calls may be spent. */
  blocked(destinationId: string, threshold: number): string | undefined {
    const usage = this.usage.get(destinationId);
    if (!usage || usage.used < threshold * usage.max) return undefined;
    if (this.now() - usage.at >= this.cooldownMs) return undefined;
    const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;
    return `Salesforce API quota guard: ${usage.used} of ${usage.max} daily API calls used (${pct(usage.used / usage.max)}), at or above the ${pct(threshold)} threshold (apiQuotaThreshold); calls are held back and events retried later`;
  }

  /** Throws a ThrottledError (429) when calls must be held back. */
  check(destinationId: string, threshold: number): void {
    const reason = this.blocked(destinationId, threshold);
    if (reason) throw new ThrottledError(reason);
  }
}
