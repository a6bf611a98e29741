/** Numbers read from the environment: a bad value falls back instead of becoming NaN. */
import { envPositiveNumber } from '../../../src/framework/env';

describe('envPositiveNumber', () => {
  it.each([
    ['unset', undefined, 30_000],
    ['empty', ' ', 30_000],
    ['a number', '2500', 2500],
    ['a fraction', '0.5', 0.5],
    ['a unit typo', '30s', 30_000],
    ['zero', '0', 30_000],
    ['negative', '-5', 30_000],
    ['infinite', 'Infinity', 30_000],
  ])('%s (%p) gives %p', (_name, raw, expected) => {
    expect(envPositiveNumber('X_WAIT', 30_000, raw === undefined ? {} : { X_WAIT: raw })).toBe(expected);
  });
});
