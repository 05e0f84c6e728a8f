/**
 * Polls `probe` until it returns a value (not undefined), and returns that value. A probe that
 * throws is retried; the last error is named if the wait times out.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
