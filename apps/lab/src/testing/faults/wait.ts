/**
 * Polls `condition` until it holds, for at most `limitMs` (set it generously: a busy machine is slow,
 * not wrong). Errors thrown by the condition count as "not yet".
 */
export async function waitFor(what: string, limitMs: number, condition: () => Promise<boolean> | boolean) {
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
