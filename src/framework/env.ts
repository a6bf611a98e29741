/**
 * A positive number from the environment (seconds, milliseconds: the name says which), or `fallback` when the
 * variable is unset or not a positive number. A typo such as `30s` must not become NaN: `setTimeout(fn, NaN)`
 * fires at once and an axios timeout of NaN never fires.
 */
export function envPositiveNumber(
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  const value = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
