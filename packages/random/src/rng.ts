/**
 * The one seeded pseudo-random generator of the repository: sfc32, seeded by hashing a stream key
 * (a seed plus any stream ids), so independent streams need no shared state and the same key always
 * gives the same sequence on every platform. Never Math.random, never the clock. Not cryptographic.
 *
 * The SynFinance generator's output bytes depend on this exact sequence: changing the algorithm,
 * the seeding or any method's arithmetic changes every generated data set.
 */

/** 32-bit integer mix (murmur3 finaliser), used to derive independent stream seeds. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash a list of non-negative integers (seed, stream ids) into one 32-bit value. */
export function hashInts(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    // split large integers so seeds above 2^32 still matter
    const lo = x >>> 0;
    const hi = Math.floor(x / 4294967296) >>> 0;
    h = mix32(h ^ lo) + 0x7f4a7c15;
    h = mix32(h ^ hi);
  }
  return h >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = Number.NaN;

  /** A stream keyed by non-negative safe integers, e.g. `new Rng(seed)` or `new Rng(seed, shard, id)`. */
  constructor(...streamKey: number[]) {
    for (const k of streamKey) {
      if (!Number.isSafeInteger(k) || k < 0) {
        throw new RangeError(`stream key parts must be non-negative safe integers, got ${k}`);
      }
    }
    this.a = hashInts(...streamKey, 1);
    this.b = hashInts(...streamKey, 2);
    this.c = hashInts(...streamKey, 3);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hiInclusive]. */
  intRange(lo: number, hiInclusive: number): number {
    return lo + this.int(hiInclusive - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Standard normal (Marsaglia polar; the second variate of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    return u * m;
  }

  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Index drawn from a cumulative weight table (last entry = total), see `cumulative`. */
  weighted(cum: Float64Array | readonly number[]): number {
    const total = cum[cum.length - 1]!;
    const x = this.next() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Running sums of the weights (negative weights count as 0), for `Rng.weighted`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) {
    s += Math.max(0, weights[i]!);
    out[i] = s;
  }
  return out;
}

/** n draws from N(mean, sd²) with a fresh `new Rng(seed)`: test data from a known distribution. */
export function normalSample(n: number, seed: number, mean = 0, sd = 1): number[] {
  const rng = new Rng(seed);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = mean + sd * rng.normal();
  return out;
}
