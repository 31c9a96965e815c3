import { describe, expect, it } from "vitest";
import { createPrng, deriveSeed } from "../src/prng.ts";

function first(seed: string | number, n: number): number[] {
  const rng = createPrng(seed);
  return Array.from({ length: n }, () => rng.uint32());
}

describe("seeded PRNG", () => {
  it("gives the same stream for the same seed, and treats a number like its decimal text", () => {
    expect(first("abc", 50)).toEqual(first("abc", 50));
    expect(first(7, 20)).toEqual(first("7", 20));
  });

  it("gives unrelated streams for neighbouring seeds", () => {
    const a = first(1, 100);
    const b = first(2, 100);
    expect(a.filter((v, i) => v === b[i])).toHaveLength(0);
  });

  it("is pinned to fixed values, so seeded images stay the same across versions and machines", () => {
    // Every seeded image depends on these; change them only on purpose.
    expect(first("cdm", 4)).toEqual([1663183440, 2813553870, 2631620748, 3211602566]);
  });

  it("keeps int() inclusive and float() in [0, 1), roughly uniform", () => {
    const rng = createPrng("range");
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const v = rng.int(0, 5);
      counts[v]++;
      const f = rng.float();
      expect(f >= 0 && f < 1).toBe(true);
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it("names sub-streams by joining the parts", () => {
    expect(deriveSeed("lib", 3, "noise")).toBe("lib/3/noise");
    expect(first(deriveSeed("lib", 3), 5)).not.toEqual(first(deriveSeed("lib", 4), 5));
  });
});
