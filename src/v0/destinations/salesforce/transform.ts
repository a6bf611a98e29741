/**
 * The Salesforce destination's entry points, as rudder-transformer loads them (rudder-contract.md A.6):
 * `process`, `processRouterDest` and `processMetadataForRouter`, on the default runtime.
 * `createSalesforceDestination` builds the same entry points on a runtime of the caller's (its own HTTP client,
 * clock and caches: tests, the simulator, a host).
 */
import type {
  Metadata,
  ProcessorEvent,
  RequestDescriptor,
  RequestMetadata,
  RouterInput,
  RouterOutput,
} from '../../../framework/types';
import { planBatch } from './plan';
import type { UnwrittenState } from './plan/state';
import { recordRequest } from './requests/record';
import { processMetadataForRouter, routeBatches } from './router';
import {
  bindHost as bindHostRuntime,
  createRuntime,
  defaultRuntime,
  SalesforceRuntime,
  type HostRequire,
  type RuntimeOptions,
} from './runtime';

export interface SalesforceDestination {
  /** One event → its request descriptors (one per record it writes). Throws the event's error. */
  process(event: ProcessorEvent): Promise<RequestDescriptor[]>;
  /** A batch → router output elements; never throws for a bad event. */
  processRouterDest(inputs: RouterInput[], reqMetadata?: RequestMetadata): Promise<RouterOutput[]>;
  processMetadataForRouter(output: { metadata: Metadata[]; destination?: { ID: string } }): Metadata[];
  /** The runtime its caches, HTTP client and telemetry live in. */
  readonly runtime: SalesforceRuntime;
}

/** One event through the batched plan, as a batch of one: the reference's processor output (rudder-contract.md B.1). */
async function processEvent(event: ProcessorEvent, runtime: SalesforceRuntime): Promise<RequestDescriptor[]> {
  const plan = await planBatch([event], runtime);
  // A failed plan has no writes (its states say so); a planned one builds them with its session.
  if (plan.kind === 'failed') return unwrittenOutput(plan.states[0], event);
  const [state] = plan.states;
  if (state.kind !== 'write') return unwrittenOutput(state, event);
  return state.writes.map((write) => recordRequest(write, plan.session, plan.config));
}

/** What an event that writes nothing becomes: its error thrown, itself (already transformed), or nothing. */
function unwrittenOutput(state: UnwrittenState, event: ProcessorEvent): RequestDescriptor[] {
  if (state.kind === 'error') throw state.error;
  if (state.kind === 'passthrough') return [event.message as unknown as RequestDescriptor];
  // Nothing to send (a delete of a record already gone): no output element for the event (rudder-contract.md A.1.2).
  return [];
}

export function createSalesforceDestination(
  runtimeOrOptions: SalesforceRuntime | RuntimeOptions = {},
): SalesforceDestination {
  const runtime =
    runtimeOrOptions instanceof SalesforceRuntime ? runtimeOrOptions : createRuntime(runtimeOrOptions);
  return {
    runtime,
    async process(event) {
      try {
        return await processEvent(event, runtime);
      } catch (error) {
        throw runtime.forHost(error);
      }
    },
    // The request metadata (namespace, cluster, features) changes nothing in this destination.
    processRouterDest: async (inputs) =>
      Array.isArray(inputs) ? routeBatches(inputs as unknown[], runtime) : [],
    processMetadataForRouter,
  };
}

const destinations = new WeakMap<SalesforceRuntime, SalesforceDestination>();

function defaultDestination(): SalesforceDestination {
  const runtime = defaultRuntime();
  let destination = destinations.get(runtime);
  if (!destination) destinations.set(runtime, (destination = createSalesforceDestination(runtime)));
  return destination;
}

export const process = (event: ProcessorEvent): Promise<RequestDescriptor[]> =>
  defaultDestination().process(event);
export const processRouterDest = (
  inputs: RouterInput[],
  reqMetadata?: RequestMetadata,
): Promise<RouterOutput[]> => defaultDestination().processRouterDest(inputs, reqMetadata);
export { processMetadataForRouter };

/**
 * For a host that loads the built destination with its own axios and `@rudderstack/integrations-lib`
 * (rudder-transformer): its re-export file passes its `require`, and gets these entry points back.
 */
export function bindHost(hostRequire: HostRequire) {
  bindHostRuntime(hostRequire);
  return { process, processRouterDest, processMetadataForRouter };
}
