/**
 * The batched plan (DESIGN.md "The batched router plan"), shared by `process` (a batch of one) and
 * `processRouterDest`: a list of phases over one per-job state. Pure given its inputs and the runtime: the only I/O
 * is the client's session, describes and lookups. Never throws: failures become per-job states.
 */
import type { RouterInput } from '../../../../framework/types';
import type { SalesforceRuntime } from '../runtime';
import { applyDescriptions, describeObjects, pendingObjects, type Descriptions } from './describe';
import { groupJobs } from './group';
import { runLookups } from './lookups';
import { merge } from './merge';
import { prepare } from './prepare';
import { resolve, resolvedObjects } from './resolve';
import { currentSession, failPending, openSession, sessionContext } from './session';
import { unwritten, type BatchPlan, type JobState } from './state';

/** Every job settled without a write: no session, or nothing left to write. */
function failed(plan: { destination: BatchPlan['destination'] }, states: JobState[]): BatchPlan {
  return { kind: 'failed', destination: plan.destination, states: states.map(unwritten) };
}

/** Plan a batch of inputs that share one destination. */
export async function planBatch(inputs: RouterInput[], runtime: SalesforceRuntime): Promise<BatchPlan> {
  const prepared = prepare(inputs, runtime);
  if (prepared.kind === 'failed') return prepared;
  const { config, destination } = prepared;
  const { client } = runtime;
  const ctx = sessionContext(inputs, prepared.states, config);
  if (!ctx) return failed(prepared, prepared.states);
  const session = await openSession(client, ctx);
  if (!session.ok) return failed(prepared, failPending(prepared.states, session.error));

  const descriptions: Descriptions = new Map();
  await describeObjects(client, ctx, pendingObjects(prepared.states), descriptions);
  const described = applyDescriptions(prepared.states, descriptions);
  const resolved = resolve(described, await runLookups(client, ctx, described), config);
  await describeObjects(client, ctx, resolvedObjects(resolved), descriptions);

  const current = await currentSession(client, ctx);
  if (!current.ok) return failed(prepared, failPending(resolved, current.error));
  const merged = merge(inputs, resolved, descriptions, config);
  const groups = groupJobs(merged.states, merged.writes);
  const { states, users } = merged;
  return { kind: 'planned', destination, config, session: current.auth, states, groups, users };
}
