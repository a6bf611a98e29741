/** The host: a transformer-compatible HTTP service for the Salesforce destination. */
export {
  buildServer,
  bodyLimitFromEnv,
  featuresBody,
  DEFAULT_BODY_LIMIT_BYTES,
  type ServerOptions,
} from './app';
export { deliverV0, deliverV1, compatibleStatus } from './delivery';
export {
  DestinationRegistry,
  salesforceHandlers,
  SALESFORCE_NAMES,
  type DestinationHandlers,
} from './destinations';
export { runProcessor } from './processor';
export { runRouter, invalidEventArray, type RouterReplyElement } from './router';
export { redactSecrets, REDACTED } from './logging';
export { ServerMetrics, METRIC_PREFIX } from './metrics';
