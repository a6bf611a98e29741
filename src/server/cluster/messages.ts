/**
 * What the primary and its workers say to each other over the cluster's IPC channel, as schemas: each side checks
 * a message before acting on it. prom-client's own messages (`prom-client:*`) share the channel and are left alone.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ajv } from '../../framework/validate';

const PREFIX = 'sf-destination:';

/** A worker begins its graceful stop: the primary must not replace it when it exits. */
export const StoppingMessage = Type.Object({ type: Type.Literal(`${PREFIX}stopping`) });
/** A worker got a `/metrics` scrape and asks the primary for every worker's metrics. */
export const MetricsRequest = Type.Object({
  type: Type.Literal(`${PREFIX}metrics-request`),
  id: Type.String(),
});
/** The primary's answer: the aggregated Prometheus text, or why there is none. */
export const MetricsReply = Type.Object({
  type: Type.Literal(`${PREFIX}metrics-reply`),
  id: Type.String(),
  contentType: Type.Optional(Type.String()),
  body: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

export type StoppingMessage = Static<typeof StoppingMessage>;
export type MetricsRequest = Static<typeof MetricsRequest>;
export type MetricsReply = Static<typeof MetricsReply>;

export const isStoppingMessage = ajv.compile<StoppingMessage>(StoppingMessage);
export const isMetricsRequest = ajv.compile<MetricsRequest>(MetricsRequest);
export const isMetricsReply = ajv.compile<MetricsReply>(MetricsReply);

export const STOPPING: StoppingMessage = { type: `${PREFIX}stopping` };
export const metricsRequest = (id: string): MetricsRequest => ({ type: `${PREFIX}metrics-request`, id });
export const metricsReply = (id: string, reply: Omit<MetricsReply, 'type' | 'id'>): MetricsReply => ({
  type: `${PREFIX}metrics-reply`,
  id,
  ...reply,
});
