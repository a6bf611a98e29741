/** Embedded in-memory Salesforce org simulator served over HTTP on 127.0.0.1. */
export { startSimulator, type Simulator } from './server';
export { DEFAULT_CLIENTS, DEFAULT_USERS, SimState } from './state';
export { demoDestinationConfig } from './demo';
export { normalizeId, to18 } from './ids';
export { type Clock, type ManualClock, MANUAL_CLOCK_START, manualClock } from './clock';
export {
  objectSchema,
  orgSchema,
  type SchemaField,
  type SchemaObject,
  standardObjectNames,
} from './org-schema';
export type {
  Counters,
  EndpointKind,
  Faults,
  FieldType,
  FieldValue,
  SimClient,
  SimOptions,
  SimRecord,
  SimUser,
} from './types';
