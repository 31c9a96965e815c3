import { describe, expect, it } from "vitest";
import { FolderBlobStore } from "@cds/local";
import type { RgbImage } from "../src/image/rgb-image.ts";
import { encodeTarget } from "../src/library/encoded-target.ts";
import type { LibraryLayout } from "../src/library/library-manifest.ts";
import { readShard, writeShard } from "../src/library/shard-format.ts";
import { matchUpperBound } from "../src/library/shard-scorer.ts";
import { prepareMask } from "../src/scoring/fast-scorer.ts";
import { searchLibraryRange } from "../src/search/batch-search.ts";
import type { SearchParams } from "../src/search-params.ts";
import { defaultSearchParams } from "../src/search-params.ts";
import { perturbed, randomColor, randomImage, seededRandom } from "@cds/testing/random-images";
import { tempDir } from "@cds/testing/temp-dir";

const W = 256;
const H = 64;

/** A neuron-like patch: a random rectangle, partly lit, somewhere in the image. */
function blob(rand: () => number, fill: number): RgbImage {
  const image = randomImage(W, H, 0, rand);
  const w = 4 + Math.floor(rand() * 40);
  const h = 2 + Math.floor(rand() * 20);
  const x0 = Math.floor(rand() * (W - w));
  const y0 = Math.floor(rand() * (H - h));
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) if (rand() < fill) image.rgb.set(randomColor(rand), 3 * (y * W + x));
  }
  return image;
}

describe("skipping targets by the tile-index upper bound", () => {
  it("gives exactly the unpruned results on 60 random libraries, and skips some targets", async () => {
    const dir = await tempDir("cds-prune-");
    let skipped = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rand = seededRandom(1000 + seed);
      const mask = blob(rand, 0.3 + rand() * 0.7);
      const targets = Array.from({ length: 12 }, () => {
        const kind = rand();
        if (kind < 0.3) return perturbed(mask, rand, [2 * Math.floor(rand() * 5) - 4, 2 * Math.floor(rand() * 5) - 4]);
        if (kind < 0.6) return blob(rand, rand());
        return randomImage(W, H, rand() * 0.05, rand);
      });
      const bytes = writeShard(targets.map((image, i) => ({ metadata: { name: `t${i}`, sourcePath: `t${i}.tif` }, encoded: encodeTarget(image) })));
      const store = new FolderBlobStore(dir);
      await store.put(`s${seed}.bin`, bytes);
      const layout: LibraryLayout = { name: "t", width: W, height: H, count: targets.length, shards: [{ key: `s${seed}.bin`, start: 0, count: targets.length, bytes: bytes.length }] };
      const params: SearchParams = {
        ...defaultSearchParams,
        maskThreshold: Math.floor(rand() * 150),
        dataThreshold: Math.floor(rand() * 150),
        pixColorFluctuation: [1, 2, 5][Math.floor(rand() * 3)],
        xyShift: ([0, 2, 4] as const)[Math.floor(rand() * 3)],
        mirrorMask: rand() < 0.7,
        minMatchingPixRatio: [0, 0.5, 2, 10, 40][Math.floor(rand() * 5)],
        excludeTopLeft: { width: 0, height: 0 },
        excludeTopRight: { width: 0, height: 0 },
      };
      const prepared = prepareMask(mask, params);
      const options = { minMatchingPixRatio: params.minMatchingPixRatio };
      const pruned = await searchLibraryRange(store, layout, prepared, 0, layout.count, { ...options, prune: true });
      const unpruned = await searchLibraryRange(store, layout, prepared, 0, layout.count, { ...options, prune: false });
      expect({ seed, matches: pruned.matches, scored: pruned.scored }).toEqual({ seed, matches: unpruned.matches, scored: unpruned.scored });
      expect(unpruned.pruned).toBe(0);
      skipped += pruned.pruned;

      // The bound holds target by target, whatever the filter.
      const all = await searchLibraryRange(store, layout, prepared, 0, layout.count, { minMatchingPixRatio: 0, keepAll: true });
      const shard = readShard(bytes);
      for (const match of all.matches) {
        expect(matchUpperBound(prepared, shard, match.index)).toBeGreaterThanOrEqual(match.matchingPixels);
      }
    }
    // Otherwise the comparison above would prove nothing.
    expect(skipped).toBeGreaterThan(50);
  });
});
