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
    while (parent[i] !== root) {
      const next = parent[i];
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const union = (a: number, b: number) => (parent[find(a)] = find(b));
  for (const write of writes) {
    const [first] = write.jobs;
    for (let k = 1; k < write.jobs.length; k += 1) union(write.jobs[k], first);
    // A write that refers to a record created in the same request travels with it (a Composite reference).
    for (const link of write.links ?? []) union(first, link.target.jobs[0]);
  }
  // Groups by root job index, and in the order their first job comes.
  const byRoot: (JobGroup | undefined)[] = new Array<JobGroup | undefined>(states.length);
  const groups: JobGroup[] = [];
  states.forEach((state, i) => {
    if (state.kind !== 'write') return;
    const root = find(i);
    const group = byRoot[root];
    // Literal arrays hold one element: most groups are one job writing one record.
    if (group) group.jobs.push(i);
    else groups.push((byRoot[root] = { jobs: [i], writes: [] }));
  });
  for (const write of writes) {
    const group = byRoot[find(write.jobs[0])];
    if (!group) continue;
    if (group.writes.length) group.writes.push(write);
    else group.writes = [write];
  }
  return groups;
}
