/**
 * The Salesforce destination's entry points, as rudder-transformer loads them (spec A.6): `process`,
 * `processRouterDest` and `processMetadataForRouter`. `createSalesforceDestination` builds the same entry points
 * around another client (tests, the simulator, a custom HTTP stack).
 */
import type {
  Metadata,
  ProcessorEvent,
  RequestDescriptor,
  RequestMetadata,
  RouterInput,
  RouterOutput,
} from '../../../framework/types';
import { defaultClient, type SalesforceClient } from './client';
import { planBatch, writeContext } from './plan';
import { recordRequest } from './requests';
import { processMetadataForRouter, processRouterDest as routeBatch } from './router';

export interface SalesforceDestination {
  /** One event → its request descriptors (one per record it writes). Throws the event's error. */
  process(event: ProcessorEvent): Promise<RequestDescriptor[]>;
  /** A batch → router output elements; never throws for a bad event. */
  processRouterDest(inputs: RouterInput[], reqMetadata?: RequestMetadata): Promise<RouterOutput[]>;
  processMetadataForRouter(output: { metadata: Metadata[]; destination?: { ID: string } }): Metadata[];
}

export function createSalesforceDestination(client: SalesforceClient = defaultClient): SalesforceDestination {
  return {
    async process(event) {
      const plan = await planBatch([event], client);
      const [outcome] = plan.outcomes;
      if (outcome.kind === 'error') throw outcome.error;
      if (outcome.kind === 'passthrough') return [event.message as unknown as RequestDescriptor];
      const { auth, config } = writeContext(plan);
      return outcome.writes.map((write) => recordRequest(write, auth, config));
    },
    // The request metadata (namespace, cluster, features) changes nothing in this destination.
    processRouterDest: (inputs) => routeBatch(inputs, client),
    processMetadataForRouter,
  };
}

const destination = createSalesforceDestination();

export const process = destination.process;
export const processRouterDest = destination.processRouterDest;
export { processMetadataForRouter };
