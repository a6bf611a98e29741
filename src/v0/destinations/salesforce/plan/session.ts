/**
 * Phase 2, quota and session: no call is spent when the API quota guard holds calls back; otherwise one session
 * serves the whole batch (the host's token, or one login of ours, cached). A failure here fails every pending job.
 */
import type { RouterInput } from '../../../../framework/types';
import type { AuthInfo } from '../auth';
import type { SalesforceClient, SessionContext } from '../client';
import type { SalesforceConfig } from '../config';
import type { JobState } from './state';

/** What every Salesforce call of the batch is made with: the destination, a job's metadata (the host's secret). */
export function sessionContext(
  inputs: RouterInput[],
  states: JobState[],
  config: SalesforceConfig,
): SessionContext | undefined {
  const first = states.findIndex((s) => s.kind === 'pending');
  if (first < 0) return undefined;
  return { destination: inputs[first].destination, metadata: inputs[first].metadata, config };
}

export type Session = { ok: true; auth: AuthInfo } | { ok: false; error: unknown };

/**
 * The session current after the lookups (an expired one was replaced while looking up): the writes are built with
 * it. A cache hit, no call.
 */
export async function currentSession(client: SalesforceClient, ctx: SessionContext): Promise<Session> {
  try {
    return { ok: true, auth: await client.authorize(ctx) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The batch's first session, once the quota guard lets calls be spent. */
export async function openSession(client: SalesforceClient, ctx: SessionContext): Promise<Session> {
  try {
    client.beforeSpending?.(ctx);
  } catch (error) {
    return { ok: false, error };
  }
  return currentSession(client, ctx);
}

/** Every job still in the plan settles with `error`. */
export function failPending(states: JobState[], error: unknown): JobState[] {
  return states.map((s) => (s.kind === 'pending' || s.kind === 'resolved' ? { kind: 'error', error } : s));
}
