/**
 * Which code serves which destination name (spec A.6): the three Salesforce definition names share one transform
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
  createSalesforceDestination,
  type SalesforceDestination,
} from '../v0/destinations/salesforce/transform';
import { defaultClient } from '../v0/destinations/salesforce/client';
import { proxy, responseHandler as v0ResponseHandler } from '../v0/destinations/salesforce/networkHandler';
import { responseHandler as v1ResponseHandler } from '../v1/destinations/salesforce/networkHandler';

export const SALESFORCE_NAMES = ['salesforce', 'salesforce_oauth', 'salesforce_oauth_sandbox'] as const;

/** Everything the host calls for one destination. */
export interface DestinationHandlers {
  transform: SalesforceDestination;
  /** Sends a descriptor and returns the processed response (spec A.5.2); never throws for an HTTP outcome. */
  proxy(request: RequestDescriptor, destType: string, timeoutMs?: number): Promise<ProcessedResponse>;
  v0ResponseHandler(input: ResponseHandlerInput): DeliveryV0Result;
  v1ResponseHandler(input: ResponseHandlerInput): DeliveryV1Result;
}

export function salesforceHandlers(overrides: Partial<DestinationHandlers> = {}): DestinationHandlers {
  return {
    transform: overrides.transform ?? createSalesforceDestination(defaultClient),
    proxy: overrides.proxy ?? proxy,
    v0ResponseHandler: overrides.v0ResponseHandler ?? v0ResponseHandler,
    v1ResponseHandler: overrides.v1ResponseHandler ?? v1ResponseHandler,
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

/** `{"error":"Unknown destination: X"}`, HTTP 404 (spec A.2.1). */
export function unknownDestination(name: unknown): { error: string } {
  return { error: `Unknown destination: ${String(name)}` };
}
