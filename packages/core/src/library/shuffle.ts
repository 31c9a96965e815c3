import { createPrng, type Seed } from "../prng.ts";

/**
 * A seeded Fisher–Yates shuffle. Libraries store items in shuffled order so that any
 * contiguous range of the index is a fair share of work (no batch full of one dense
 * driver line), and the seed makes a rebuild reproduce the same order.
 *
 * @example
 * shuffled(["a", "b", "c"], "flylight") // the same permutation every time
 */
export function shuffled<T>(items: readonly T[], seed: Seed): T[] {
  const out = items.slice();
  const rng = createPrng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Splits a list into consecutive chunks of `size` (the last one shorter).
 *
 * @example
 * chunks([1, 2, 3, 4, 5], 2) // [[1, 2], [3, 4], [5]]
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
