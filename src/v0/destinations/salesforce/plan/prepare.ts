/**
 * Phase 1, prepare: the destination's config, then each event on its own — the host's secret (an OAuth job whose
 * secret is missing is a platform fault, reported before anything about the event itself, as the reference does),
 * the opt-in rule, and the records it asks for. A bad event settles as its own error and never fails the batch.
 */
import { InstrumentationError, PlatformError } from '../../../../framework/errors';
import { describeShapeProblem, shapeProblem } from '../../../../framework/shape';
import type { Destination, Metadata, RouterInput } from '../../../../framework/types';
import { hostSession, tokenOwnerAtTransform } from '../auth';
import type { SalesforceConfig } from '../config';
import { checkEvent, toIntents } from '../records';
import type { SalesforceRuntime } from '../runtime';
import type { JobState, UnwrittenState } from './state';

export type Prepared =
  | { kind: 'failed'; destination: Destination; states: UnwrittenState[] }
  | { kind: 'prepared'; destination: Destination; config: SalesforceConfig; states: JobState[] };

/**
 * Metadata without the top-level keys whose values are the problem: the rest is echoed (rudder-server needs the job
 * id), and nothing deep reaches the reply's serializer.
 */
function echoable(metadata: Metadata): Metadata {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    out[key] = shapeProblem(value, key) ? '[removed: nested too deep, or a prototype key]' : value;
  }
  return out as Metadata;
}

/** An event or metadata nested too deep or carrying a prototype key is refused before anything reads it. */
function shapeError({ message, metadata }: RouterInput): JobState | undefined {
  const inMessage = shapeProblem(message, 'message');
  if (inMessage) {
    return {
      kind: 'error',
      error: new InstrumentationError(`Invalid event: ${describeShapeProblem(inMessage)}`),
    };
  }
  const inMetadata = shapeProblem(metadata, 'metadata');
  if (!inMetadata || !metadata) return undefined;
  const error = new PlatformError(`Invalid job metadata: ${describeShapeProblem(inMetadata)}`);
  return { kind: 'error', error, echo: echoable(metadata) };
}

function prepareJob(input: RouterInput, config: SalesforceConfig): JobState {
  const refused = shapeError(input);
  if (refused) return refused;
  try {
    if (input.message.statusCode) return { kind: 'passthrough' };
    const { destination, metadata, message } = input;
    if (tokenOwnerAtTransform(destination, metadata, config) === 'host') hostSession(metadata);
    const rules = checkEvent(message, config, destination);
    return { kind: 'pending', intents: toIntents(message, config, rules) };
  } catch (error) {
    return { kind: 'error', error };
  }
}

export function prepare(inputs: RouterInput[], runtime: SalesforceRuntime): Prepared {
  const destination = inputs[0].destination;
  let config: SalesforceConfig;
  try {
    config = runtime.config(destination);
  } catch (error) {
    const states = inputs.map((input): UnwrittenState =>
      input.message.statusCode ? { kind: 'passthrough' } : { kind: 'error', error },
    );
    return { kind: 'failed', destination, states };
  }
  return { kind: 'prepared', destination, config, states: inputs.map((input) => prepareJob(input, config)) };
}
