/**
 * Wait until `condition` holds: for an effect another process or server applies in its own time. It polls and gives
 * up after `timeoutMs` (a generous bound for a loaded machine, not a timing assumption): the test then fails saying
 * what it waited for.
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  { timeoutMs = 20_000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
