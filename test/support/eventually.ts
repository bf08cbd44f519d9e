/**
 * Wait for a condition by polling, never by sleeping a fixed time (STYLE C13): resolves with how
 * long it took, or rejects naming what did not happen in time.
 */
export async function eventually(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}
