/** `WORKERS`: how many service processes share the port (rudder-transformer's `NUM_PROCS`). */
import { availableParallelism } from 'node:os';

/**
 * `WORKERS` as a count: unset or empty → 1 (one process, no cluster); `0` or `auto` → one per CPU core; a positive
 * integer → that many. Throws a startup error naming the variable on anything else.
 */
export function workersFromEnv(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const raw = env.WORKERS;
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return 1;
  if (value === 'auto' || value === '0') return Math.max(1, cores);
  if (/^[1-9]\d*$/.test(value)) return Number(value);
  throw new Error(
    `WORKERS must be a positive integer, or 0 or auto for one worker per CPU core; got ${JSON.stringify(raw)}`,
  );
}
