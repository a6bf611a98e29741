/** What happens to a job, from its status code (rudder-server.md section 3): one rule for metrics and the CLI. */
export type StatusOutcome = 'success' | 'filtered' | 'aborted' | 'throttled' | 'retryable';

export function outcomeOf(status: number): StatusOutcome {
  if (status === 298) return 'filtered';
  if (status >= 200 && status < 300) return 'success';
  if (status === 429 || status === 408) return 'throttled';
  if (status >= 500 || status < 200) return 'retryable';
  return 'aborted';
}
