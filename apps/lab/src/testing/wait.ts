/**
 * How long test helpers wait for a real process, server or condition unless told otherwise. A guard
 * against hangs, not a budget: a busy 2-core machine is slow, not wrong. Times that matter (start-up,
 * shutdown) are measured in bench/, where the machine's load is recorded beside them.
 */
export const HANG_GUARD_MS = 120_000;

/**
 * Polls `condition` until it holds, for at most `limitMs` (set it generously: a busy machine is slow,
 * not wrong). Errors thrown by the condition count as "not yet".
 */
export async function waitFor(
  what: string,
  limitMs: number,
  condition: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = performance.now() + limitMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    if (
      await Promise.resolve()
        .then(condition)
        .catch(() => false)
    )
      return;
    if (performance.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pause));
  }
}
