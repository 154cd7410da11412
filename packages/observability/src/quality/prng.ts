/**
 * Tiny deterministic random number generators, used by the tests to draw samples from known
 * distributions. Not cryptographic. Same seed, same sequence, on every platform.
 */

/** mulberry32: a 32-bit state PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal variates by the Box–Muller transform over a uniform generator. */
export function normalGenerator(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform(); // log(0) guard
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** n draws from N(mean, sd²) with a fresh mulberry32(seed). */
export function normalSample(n: number, seed: number, mean = 0, sd = 1): number[] {
  const z = normalGenerator(mulberry32(seed));
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = mean + sd * z();
  return out;
}
