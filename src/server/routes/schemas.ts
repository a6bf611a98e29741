/**
 * The request envelopes fastify checks before a handler runs. They are deliberately loose where the contract answers
 * a bad part per event: each event is checked on its own later (src/server/inputs.ts).
 */
import { Type } from '@sinclair/typebox';
import { RouterRequestSchema } from '../../framework/types';

export const ProcessorParams = Type.Object({ version: Type.String(), destination: Type.String() });
export const ProxyParams = Type.Object({ destination: Type.String() });

const JsonRecord = Type.Record(Type.String(), Type.Unknown());

/** The processor envelope: an array of events, or the compacted form. */
export const ProcessorBody = Type.Union([
  Type.Array(Type.Unknown()),
  Type.Object({
    input: Type.Array(Type.Unknown()),
    destinations: Type.Optional(JsonRecord),
    connections: Type.Optional(JsonRecord),
  }),
]);

/**
 * The router envelope. An empty or non-array `input` is answered with the contract's "Invalid event array" element
 * (HTTP 200), so `input` is not constrained here.
 */
export const RouterBody = Type.Object({
  input: Type.Optional(Type.Unknown()),
  destType: RouterRequestSchema.properties.destType,
  destinations: Type.Optional(JsonRecord),
  connections: Type.Optional(JsonRecord),
});

export type ProcessorBodyT =
  | unknown[]
  | { input: unknown[]; destinations?: Record<string, unknown>; connections?: Record<string, unknown> };

export interface RouterBodyT {
  input?: unknown;
  destType: string;
  destinations?: Record<string, unknown>;
  connections?: Record<string, unknown>;
}

/** `POST /deleteUsers`: an array of user deletion requests, each checked by the destination. */
export const DeleteUsersBody = Type.Array(Type.Unknown(), { minItems: 1 });
