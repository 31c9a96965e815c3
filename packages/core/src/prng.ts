/**
 * Seeded pseudo-random numbers for the synthetic data generators.
 *
 * sfc32 is used because it is tiny, fast in V8 and uses only 32-bit integer operations
 * (`Math.imul`, shifts, `| 0`), so a seed gives the same stream on every platform and Node
 * version. Nothing here may call `Math.random` or transcendental `Math` functions, whose
 * last bit is not specified by ECMAScript.
 */

/** A seed as callers write it; numbers are used through their decimal string (`7` ≡ `"7"`). */
export type Seed = string | number;

/**
 * A deterministic random stream.
 *
 * @example
 * const rng = createPrng("library-1/42");
 * const x = rng.int(0, 1209); // same value on every run
 */
export interface Prng {
  /** Next raw 32-bit value, 0 ≤ v < 2^32. */
  uint32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

const TWO_POW_32 = 4294967296;

/**
 * cyrb128: spreads a string over four independent 32-bit words, because sfc32 needs a
 * 128-bit state and short seeds like "1" and "2" must still give unrelated streams.
 */
function hashSeed(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

class Sfc32 implements Prng {
  // Initialised to numbers (not left undefined) so V8 keeps the fields as plain numbers;
  // that makes every call more than twice as fast.
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;

  constructor(state: [number, number, number, number]) {
    this.#a = state[0] | 0;
    this.#b = state[1] | 0;
    this.#c = state[2] | 0;
    this.#d = state[3] | 0;
    // The first outputs of sfc32 still correlate with the seed words; burn them.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  float(): number {
    return this.uint32() / TWO_POW_32;
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }
}

/**
 * Creates a random stream from a seed. The same seed always yields the same stream.
 *
 * @example
 * const a = createPrng(1), b = createPrng("1");
 * a.uint32() === b.uint32(); // true: numeric seeds are used as their decimal text
 */
export function createPrng(seed: Seed): Prng {
  return new Sfc32(hashSeed(String(seed)));
}

/**
 * Names a sub-stream, so that independent parts of a generator (one library entry, the
 * decoys of one target) do not shift each other's numbers when one of them changes.
 *
 * @example
 * createPrng(deriveSeed("lib", 17, "decoys"));
 */
export function deriveSeed(seed: Seed, ...parts: readonly (string | number)[]): string {
  return [String(seed), ...parts.map(String)].join("/");
}
