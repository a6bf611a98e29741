/**
 * Phase 6, group: jobs that share a record, or whose record refers to a record another creates, travel together (a
 * union-find over the writes), so each job's writes sit in exactly one output and no job's metadata appears twice
 * (rudder-server.md 1.3).
 */
import type { FinalState, JobGroup, PlannedWrite } from './state';

export function groupJobs(states: FinalState[], writes: PlannedWrite[]): JobGroup[] {
  const parent = states.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root];
    while (parent[i] !== root) [i, parent[i]] = [parent[i], root];
    return root;
  };
  const union = (a: number, b: number) => (parent[find(a)] = find(b));
  for (const write of writes) {
    for (const j of write.jobs.slice(1)) union(j, write.jobs[0]);
    // A write that refers to a record created in the same request travels with it (a Composite reference).
    for (const link of write.links ?? []) union(write.jobs[0], link.target.jobs[0]);
  }
  const byRoot = new Map<number, JobGroup>();
  states.forEach((state, i) => {
    if (state.kind !== 'write') return;
    const root = find(i);
    let group = byRoot.get(root);
    if (!group) byRoot.set(root, (group = { jobs: [], writes: [] }));
    group.jobs.push(i);
  });
  for (const write of writes) byRoot.get(find(write.jobs[0]))?.writes.push(write);
  return [...byRoot.values()];
}
