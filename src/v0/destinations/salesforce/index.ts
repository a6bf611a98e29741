/**
 * The destination's public API for hosts that embed it (our HTTP service and CLI, or any other): runtimes, the
 * transform entry points, the network handlers, and what a host needs to know (its definition names, the config keys
 * that hold secrets, an explanation of what an event becomes). rudder-transformer loads `transform.ts` and the
 * `networkHandler.ts` files directly instead (rudder-contract.md A.6).
 */
export { createRuntime, SalesforceRuntime, type RuntimeOptions, type HostRequire } from './runtime';
export { createSalesforceDestination, type SalesforceDestination } from './transform';
export { createV0Handler, type V0Handler, type ProxyRequest } from './networkHandler';
export { createV1Handler, type V1Handler } from '../../../v1/destinations/salesforce/networkHandler';
export { inspectEvent, type Inspection } from './inspect';
export { deleteUsers, type DeleteUsersSuccess } from './deleteUsers';
export { SECRET_CONFIG_KEYS } from './config';
export type { SalesforceClient, SessionContext, SObjectRecord, ObjectDescription } from './client';
export type { AuthInfo } from './auth';
export { destInfoOf, type SalesforceDestInfo, type RecordRef } from './destInfo';

/** The definition names this destination serves, lower-cased as the routes use them (rudder-contract.md B.0). */
export const SALESFORCE_NAMES = ['salesforce', 'salesforce_oauth', 'salesforce_oauth_sandbox'] as const;
export { PRESETS } from './presets';
