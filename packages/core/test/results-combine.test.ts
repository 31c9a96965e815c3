import { describe, expect, it } from "vitest";
import { ParameterError } from "../src/errors.ts";
import { combineBatchResults, MAX_CUSTOM_RESULTS } from "../src/results/combine-batches.ts";
import { createPrng } from "../src/prng.ts";
import type { TargetMatch } from "../src/search/ranking.ts";
import { aMatch } from "@cds/testing/results-builders";

/** Batches of consecutive targets with seeded scores (many ties), each ranked as a worker would. */
function seededBatches(seed: number, batches: number, perBatch: number): TargetMatch[][] {
  const rng = createPrng(seed);
  return Array.from({ length: batches }, (_, b) =>
    Array.from({ length: perBatch }, (_, i) => aMatch(b * perBatch + i, rng.int(1, 60))).sort(
      (x, y) => y.matchingPixels - x.matchingPixels || x.index - y.index,
    ),
  );
}

const indexes = (matches: TargetMatch[]) => matches.map((m) => m.index);

describe("combineBatchResults", () => {
  it("ranks by matching pixels, most first, across batches", () => {
    const ranking = combineBatchResults([[aMatch(0, 10), aMatch(1, 5)], [aMatch(2, 30), aMatch(3, 7)]]);

    expect(indexes(ranking)).toEqual([2, 0, 3, 1]);
  });

  it("breaks ties by library index", () => {
    const ranking = combineBatchResults([[aMatch(9, 10)], [aMatch(4, 10), aMatch(6, 10)]]);

    expect(indexes(ranking)).toEqual([4, 6, 9]);
  });

  it("keeps NeuronBridge's 400 best by default", () => {
    const batches = seededBatches(1, 10, 100);

    const ranking = combineBatchResults(batches);

    expect(MAX_CUSTOM_RESULTS).toBe(400);
    expect(ranking).toHaveLength(400);
    const all = batches.flat().sort((a, b) => b.matchingPixels - a.matchingPixels || a.index - b.index);
    expect(indexes(ranking)).toEqual(indexes(all.slice(0, 400)));
  });

  it("keeps `top` matches, or all of them with Infinity", () => {
    const batches = seededBatches(2, 4, 30);

    expect(combineBatchResults(batches, { top: 5 })).toHaveLength(5);
    expect(combineBatchResults(batches, { top: 0 })).toEqual([]);
    expect(combineBatchResults(batches, { top: Infinity })).toHaveLength(120);
  });

  it("gives the same ranking whatever order the batches arrive in", () => {
    const batches = seededBatches(3, 12, 50);
    const expected = indexes(combineBatchResults(batches, { top: 100 }));
    const rng = createPrng(33);

    for (let trial = 0; trial < 10; trial++) {
      const shuffled = [...batches];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      expect(indexes(combineBatchResults(shuffled, { top: 100 }))).toEqual(expected);
    }
  });

  it("lists a target once when its batch was recorded twice", () => {
    const batches = seededBatches(4, 5, 20);

    const ranking = combineBatchResults([...batches, batches[2], batches[2]], { top: Infinity });

    expect(ranking).toHaveLength(100);
    expect(new Set(indexes(ranking)).size).toBe(100);
    expect(indexes(ranking)).toEqual(indexes(combineBatchResults(batches, { top: Infinity })));
  });

  it("fills the top from distinct targets when duplicates crowd the best places", () => {
    const best = [aMatch(0, 99), aMatch(1, 98)];

    const ranking = combineBatchResults([best, best, best, [aMatch(2, 50)]], { top: 3 });

    expect(indexes(ranking)).toEqual([0, 1, 2]);
  });

  it("keeps the better copy when copies of a target disagree, in either order", () => {
    const low = aMatch(5, 10);
    const high = aMatch(5, 20);

    expect(combineBatchResults([[low], [high]])).toEqual([high]);
    expect(combineBatchResults([[high], [low]])).toEqual([high]);
  });

  it("returns an empty ranking for no batches or empty batches", () => {
    expect(combineBatchResults([])).toEqual([]);
    expect(combineBatchResults([[], []])).toEqual([]);
  });

  it("does not reorder the batches it is given", () => {
    const batch = [aMatch(1, 1), aMatch(0, 5)];

    combineBatchResults([batch]);

    expect(indexes(batch)).toEqual([1, 0]);
  });

  it("rejects a negative or fractional top", () => {
    expect(() => combineBatchResults([], { top: -1 })).toThrow(ParameterError);
    expect(() => combineBatchResults([], { top: 2.5 })).toThrow(ParameterError);
    expect(() => combineBatchResults([], { top: Number.NaN })).toThrow(ParameterError);
  });
});
