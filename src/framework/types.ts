/**
 * The destination contract as schemas and types (rudder-contract.md A.1, A.2, A.5).
 * Each schema is a JSON Schema (TypeBox) that ajv enforces at the boundary; each type is derived from it, so the
 * runtime check and the compile-time type cannot drift apart. Objects are open (`additionalProperties`) where
 * the contract is passthrough.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { AuthErrorCategory, StatTags } from './errors';

const Open = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: true });

const JsonObject = Type.Record(Type.String(), Type.Unknown());

/** A Rudder event. Only what this destination reads is typed; everything else passes through. */
export const RudderMessageSchema = Open({
  type: Type.Optional(Type.Unknown()),
  userId: Type.Optional(Type.Unknown()),
  anonymousId: Type.Optional(Type.Unknown()),
  messageId: Type.Optional(Type.Unknown()),
  traits: Type.Optional(Type.Unknown()),
  properties: Type.Optional(Type.Unknown()),
  integrations: Type.Optional(Type.Unknown()),
  statusCode: Type.Optional(Type.Unknown()),
  context: Type.Optional(
    Open({
      traits: Type.Optional(Type.Unknown()),
      externalId: Type.Optional(Type.Unknown()),
      mappedToDestination: Type.Optional(Type.Unknown()),
    }),
  ),
});
export type RudderMessage = Static<typeof RudderMessageSchema>;

/** Per-job metadata: echoed back unchanged; `destInfo` is the only key a destination may add (rudder-server.md 1.4). */
export const MetadataSchema = Open({
  jobId: Type.Optional(Type.Number()),
  userId: Type.Optional(Type.Unknown()),
  destinationId: Type.Optional(Type.Unknown()),
  workspaceId: Type.Optional(Type.Unknown()),
  sourceId: Type.Optional(Type.Unknown()),
  attemptNum: Type.Optional(Type.Unknown()),
  dontBatch: Type.Optional(Type.Boolean()),
  secret: Type.Optional(Type.Unknown()),
  destInfo: Type.Optional(Type.Unknown()),
});
export type Metadata = Static<typeof MetadataSchema>;

export const DestinationSchema = Open({
  ID: Type.String(),
  Name: Type.Optional(Type.String()),
  Config: JsonObject,
  Enabled: Type.Optional(Type.Boolean()),
  WorkspaceID: Type.Optional(Type.String()),
  DestinationDefinition: Type.Optional(
    Open({
      ID: Type.Optional(Type.String()),
      Name: Type.Optional(Type.String()),
      DisplayName: Type.Optional(Type.String()),
      Config: Type.Optional(Type.Unknown()),
    }),
  ),
});
export type Destination = Static<typeof DestinationSchema>;

/** One input of the processor (`POST /v0/destinations/:dest`) or router (`/routerTransform`) transform. */
export const TransformInputSchema = Open({
  message: RudderMessageSchema,
  metadata: Type.Optional(MetadataSchema),
  destination: DestinationSchema,
  connection: Type.Optional(Type.Unknown()),
  request: Type.Optional(Type.Unknown()),
});
export type TransformInput = Static<typeof TransformInputSchema>;
/** The processor's input event is the same shape. */
export type ProcessorEvent = TransformInput;
export type RouterInput = TransformInput;

export const ProcessorRequestSchema = Type.Array(TransformInputSchema);

export const RouterRequestSchema = Type.Object({
  input: Type.Array(TransformInputSchema),
  destType: Type.String(),
});

export const REQUEST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

export const RequestBodySchema = Type.Object(
  {
    JSON: Type.Optional(Type.Unknown()),
    JSON_ARRAY: Type.Optional(Type.Unknown()),
    XML: Type.Optional(Type.Unknown()),
    FORM: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);

/** A request descriptor (rudder-contract.md A.1.3): what the host, or rudder-server, sends to Salesforce. */
export const RequestDescriptorSchema = Type.Object(
  {
    version: Type.Optional(Type.String()),
    type: Type.String(),
    method: Type.String(),
    endpoint: Type.String(),
    endpointPath: Type.Optional(Type.String()),
    userId: Type.Optional(Type.String()),
    headers: Type.Record(Type.String(), Type.String()),
    params: Type.Record(Type.String(), Type.Unknown()),
    body: RequestBodySchema,
    files: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
export type RequestDescriptor = Static<typeof RequestDescriptorSchema>;

/** Proxy request (rudder-contract.md A.5.3 / A.5.4): a descriptor plus the jobs' metadata (v1: an array) and config. */
export const ProxyV0RequestSchema = Type.Intersect([
  RequestDescriptorSchema,
  Type.Object({ metadata: Type.Optional(MetadataSchema), destinationConfig: Type.Optional(JsonObject) }),
]);
export type ProxyV0Request = Static<typeof ProxyV0RequestSchema>;
export const ProxyV1RequestSchema = Type.Intersect([
  RequestDescriptorSchema,
  Type.Object({ metadata: Type.Array(MetadataSchema), destinationConfig: Type.Optional(JsonObject) }),
]);
export type ProxyV1Request = Static<typeof ProxyV1RequestSchema>;

/** Processor output element (rudder-contract.md A.1.4). */
export type ProcessorOutput =
  | { output: RequestDescriptor & { userId: string }; metadata?: Metadata; statusCode: 200 }
  | { metadata?: Metadata; statusCode: number; error: string; statTags: StatTags };

/** Router output element (rudder-contract.md A.2.2); one descriptor object per element, never an array, where we choose. */
export interface RouterSuccessOutput {
  batchedRequest: RequestDescriptor | RequestDescriptor[];
  metadata: Metadata[];
  batched: boolean;
  statusCode: 200;
  destination: Destination;
}
export interface RouterErrorOutput {
  metadata: Metadata[];
  batched: boolean;
  statusCode: number;
  error: string;
  statTags: StatTags;
  destination?: Destination;
  authErrorCategory?: AuthErrorCategory;
}
export type RouterOutput = RouterSuccessOutput | RouterErrorOutput;

export interface RequestMetadata {
  namespace?: string;
  cluster?: string;
  features?: Record<string, unknown>;
}

/** The processed HTTP response handed to network handlers (rudder-contract.md A.5.2 `processAxiosResponse`). */
export interface ProcessedResponse {
  status: number;
  response: unknown;
  headers?: Record<string, string>;
}

/** Proxy v0 handler result (rudder-contract.md A.5.3). */
export interface DeliveryV0Result {
  status: number;
  message: string;
  destinationResponse: ProcessedResponse;
  authErrorCategory?: AuthErrorCategory;
}

/** Proxy v1 per-job entry and result (rudder-contract.md A.5.4, rudder-server.md 2.3). */
export interface DeliveryJobResult {
  statusCode: number;
  metadata: Metadata;
  error: string;
  /** A failed job's stat tags (the host's delivery tags included). */
  statTags?: StatTags;
}
export interface DeliveryV1Result {
  status: number;
  message: string;
  destinationResponse?: ProcessedResponse;
  statTags?: StatTags;
  authErrorCategory?: AuthErrorCategory;
  response: DeliveryJobResult[];
}

export interface ResponseHandlerInput {
  destinationResponse: ProcessedResponse;
  rudderJobMetadata?: Metadata | Metadata[];
  destType: string;
  destinationRequest?: unknown;
}
