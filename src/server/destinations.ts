/**
 * Which code serves which destination name (rudder-contract.md A.6): the three Salesforce definition names share one transform
 * and one pair of network handlers. Names are compared lower-cased, as the reference registry does.
 */
import type {
  DeliveryV0Result,
  DeliveryV1Result,
  ProcessedResponse,
  RequestDescriptor,
  ResponseHandlerInput,
} from '../framework/types';
import {
  createRuntime,
  createSalesforceDestination,
  createV0Handler,
  createV1Handler,
  deleteUsers,
  SALESFORCE_NAMES,
  type DeleteUsersSuccess,
  type SalesforceDestination,
  type SalesforceRuntime,
} from '../v0/destinations/salesforce/index';

export { SALESFORCE_NAMES };

/** Everything the host calls for one destination. */
export interface DestinationHandlers {
  /** The runtime the destination's caches and telemetry live in. */
  runtime: SalesforceRuntime;
  transform: SalesforceDestination;
  /** Sends a descriptor and returns the processed response (rudder-contract.md A.5.2); never throws for an HTTP outcome. */
  proxy(request: RequestDescriptor, destType: string, timeoutMs?: number): Promise<ProcessedResponse>;
  v0ResponseHandler(input: ResponseHandlerInput): DeliveryV0Result;
  v1ResponseHandler(input: ResponseHandlerInput): DeliveryV1Result;
  /** One user deletion request (rudder-contract.md A.7); throws the contract error of a failure. */
  deleteUsers(request: unknown): Promise<DeleteUsersSuccess>;
}

/** The destination's handlers on one runtime (a new one, the transform's, or the one given). */
export function salesforceHandlers(overrides: Partial<DestinationHandlers> = {}): DestinationHandlers {
  const runtime = overrides.runtime ?? overrides.transform?.runtime ?? createRuntime();
  const v0 = createV0Handler(runtime);
  const v1 = createV1Handler(runtime);
  return {
    runtime,
    transform: overrides.transform ?? createSalesforceDestination(runtime),
    proxy: overrides.proxy ?? v0.proxy,
    v0ResponseHandler: overrides.v0ResponseHandler ?? v0.responseHandler,
    v1ResponseHandler: overrides.v1ResponseHandler ?? v1.responseHandler,
    deleteUsers: overrides.deleteUsers ?? ((request) => deleteUsers(request, runtime)),
  };
}

export class DestinationRegistry {
  private readonly byName = new Map<string, DestinationHandlers>();

  constructor(handlers: DestinationHandlers = salesforceHandlers()) {
    for (const name of SALESFORCE_NAMES) this.byName.set(name, handlers);
  }

  /** The handlers for a destination name, or undefined for a name we do not serve. */
  resolve(name: unknown): DestinationHandlers | undefined {
    return typeof name === 'string' ? this.byName.get(name.trim().toLowerCase()) : undefined;
  }

  /** Upper-cased definition names, for `/features`. */
  definitionNames(): string[] {
    return [...this.byName.keys()].map((n) => n.toUpperCase());
  }
}

/** `{"error":"Unknown destination: X"}`, HTTP 404 (rudder-contract.md A.2.1). */
export function unknownDestination(name: unknown): { error: string } {
  return { error: `Unknown destination: ${String(name)}` };
}
