/**
 * The processor transform as the reference host runs it (rudder-contract.md A.1.4): each event on its own, concurrently; one
 * element per request descriptor on success, one error element on failure. One bad event never affects another.
 */
import { processorError, processorSuccess } from '../framework/descriptors';
import { isContractError } from '../framework/errors';
import type { ProcessorOutput } from '../framework/types';
import type { UnexpectedErrorSink } from './delivery';
import type { DestinationHandlers } from './destinations';
import { checkInput, errorTags, mapLimit, rootIn, shareDestinations } from './inputs';

export const DEFAULT_PROCESSOR_CONCURRENCY = 32;

export async function runProcessor(
  events: unknown[],
  destType: string,
  handlers: DestinationHandlers,
  concurrency = DEFAULT_PROCESSOR_CONCURRENCY,
  onUnexpected?: UnexpectedErrorSink,
): Promise<ProcessorOutput[]> {
  shareDestinations(events);
  const root = rootIn('body');
  const perEvent = await mapLimit(events, concurrency, async (raw, index): Promise<ProcessorOutput[]> => {
    const checked = checkInput(raw, index, root);
    if (!checked.ok) {
      return [
        processorError(checked.error, checked.metadata, errorTags(destType, 'processor', checked.metadata)),
      ];
    }
    const { metadata } = checked.input;
    try {
      const descriptors = await handlers.transform.process(checked.input);
      return descriptors.map((descriptor) => processorSuccess(descriptor, metadata));
    } catch (error) {
      if (!isContractError(error)) onUnexpected?.(error, 'processor');
      return [processorError(error, metadata, errorTags(destType, 'processor', metadata))];
    }
  });
  return perEvent.flat();
}
