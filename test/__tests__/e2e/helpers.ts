/**
 * End-to-end helpers: the destination against the simulator over real HTTP on 127.0.0.1, delivered the way
 * rudder-server does (bench/deliver.ts, shared with the benchmark).
 */
import type { Destination, RouterInput, RouterOutput } from '../../../src/framework/types';
import {
  createSalesforceDestination,
  type RuntimeOptions,
  type SalesforceDestination,
} from '../../../src/v0/destinations/salesforce/index';
import {
  demoDestinationConfig,
  startSimulator,
  type SimOptions,
  type SimRecord,
  type Simulator,
} from '../../../tools/salesforce-sim';
import { deliverRouterOutputs, type JobStatuses } from '../../../bench/deliver';
import { identify, makeDestination, SIM_OPTIONS, type EventSpec } from '../../../bench/workload';
import { descriptorProblems } from '../helpers/descriptors';

export { deliverRouterOutputs, identify };

/**
 * Registers the suite's simulator hooks: start it once (handing it to `assign`), close it after, reset it before each
 * test. By default the org is the benchmark workloads' (two custom Lead fields, a product object keyed by an External
 * ID), as the suites build their events with the same builders.
 */
export function useE2ESimulator(assign: (sim: Simulator) => void, options: SimOptions = SIM_OPTIONS): void {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator(options);
    assign(sim);
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.state.reset());
}

/** A destination with its own runtime (token, describe and quota state): no state bleeds between tests. */
export function freshDestination(options: RuntimeOptions = {}): SalesforceDestination {
  return createSalesforceDestination({ env: {}, ...options });
}

let destinationSeq = 0;
/** A destination for the simulator, with a unique ID (token and quota state are keyed by it). */
export function simDestination(sim: Simulator, extra: Record<string, unknown> = {}): Destination {
  destinationSeq += 1;
  return makeDestination(`e2e-dest-${destinationSeq}`, demoDestinationConfig(sim.url, extra));
}

/** Events from compact specs: `[jobId, userId, traits]`. */
export function events(
  destination: Destination,
  specs: (Partial<EventSpec> & Pick<EventSpec, 'jobId' | 'traits'>)[],
): RouterInput[] {
  return specs.map((s) => identify(destination, { userId: `u${s.jobId}`, ...s }));
}

/** Live Leads (not deleted). */
export function liveRecords(sim: Simulator, object: string): SimRecord[] {
  return sim.state.records(object).filter((r) => r.IsDeleted !== true);
}

export function byEmail(sim: Simulator, email: string): SimRecord[] {
  return liveRecords(sim, 'Lead').filter(
    (r) => typeof r.Email === 'string' && r.Email.toLowerCase() === email.toLowerCase(),
  );
}

/** Emails of live Leads, lower-cased and sorted; duplicates show up as repeats. */
export function leadEmails(sim: Simulator): string[] {
  return liveRecords(sim, 'Lead')
    .map((r) => String(r.Email).toLowerCase())
    .sort();
}

/** Metered calls by endpoint kind, without the (unmetered) token and identity entries. */
export function meteredCalls(sim: Simulator): Record<string, number> {
  const { byEndpoint } = sim.state.counters();
  const out: Record<string, number> = {};
  for (const [kind, count] of Object.entries(byEndpoint)) {
    if (kind !== 'token' && kind !== 'identity') out[kind] = count;
  }
  return out;
}

export function tokenCalls(sim: Simulator): number {
  return sim.state.counters().byEndpoint.token ?? 0;
}

/** Status codes by jobId, for compact assertions. */
export function codes(statuses: JobStatuses): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [jobId, s] of [...statuses].sort((a, b) => a[0] - b[0])) out[jobId] = s.statusCode;
  return out;
}

/** Every input job in exactly one output element. */
export function jobsOf(outputs: RouterOutput[]): number[] {
  return outputs.flatMap((o) => o.metadata.map((m) => m.jobId as number)).sort((a, b) => a - b);
}

/** Transform then deliver one router batch. */
export async function routeAndDeliver(
  dest: SalesforceDestination,
  inputs: RouterInput[],
): Promise<{ outputs: RouterOutput[]; statuses: JobStatuses }> {
  const outputs = await dest.processRouterDest(inputs);
  expect(descriptorProblems(outputs)).toEqual([]);
  const statuses = await deliverRouterOutputs(outputs, dest);
  return { outputs, statuses };
}

/** The inputs whose jobs did not end in 200 (what rudder-server would retry or abort). */
export function failedInputs(
  inputs: RouterInput[],
  statuses: ReadonlyMap<number, { statusCode: number }>,
  code?: number,
): RouterInput[] {
  return inputs.filter((input) => {
    const status = statuses.get(input.metadata?.jobId as number)?.statusCode;
    return code === undefined ? status !== 200 : status === code;
  });
}

/**
 * The same event as a retry: attemptNum + 1, and `dontBatch` when the delivery asked for it (rudder-server saves it
 * from the proxy answer and sends it back, rudder-server.md 2.5); everything else unchanged.
 */
export function asRetry(
  inputs: RouterInput[],
  statuses?: ReadonlyMap<number, { dontBatch?: boolean }>,
): RouterInput[] {
  return inputs.map((input) => {
    const metadata = { ...input.metadata, attemptNum: Number(input.metadata?.attemptNum ?? 0) + 1 };
    if (statuses?.get(input.metadata?.jobId as number)?.dontBatch) metadata.dontBatch = true;
    return { ...input, metadata };
  });
}
