import { describe, expect, it } from "vitest";
import { FolderBlobStore } from "@cds/local";
import { encodeTarget } from "../src/library/encoded-target.ts";
import type { LibraryLayout } from "../src/library/library-manifest.ts";
import { writeShard } from "../src/library/shard-format.ts";
import { prepareMask } from "../src/scoring/fast-scorer.ts";
import { scorePixelMatchPlain } from "../src/scoring/pixel-match-plain.ts";
import { createSearchScratch, searchLibraryRange } from "../src/search/batch-search.ts";
import { defaultSearchParams } from "../src/search-params.ts";
import { BlobNotFoundError } from "../src/ports/blob-store.ts";
import { perturbed, randomImage, seededRandom } from "./random-images.ts";
import { tempDir } from "../../../test/support/temp-dir.ts";

const W = 120;
const H = 40;
const params = { ...defaultSearchParams, maskThreshold: 20, dataThreshold: 20, excludeTopLeft: { width: 0, height: 0 }, excludeTopRight: { width: 0, height: 0 } };

/** Shards of growing size (so reused read buffers must grow), 3–9 targets each. */
async function library(rand: () => number, mask: ReturnType<typeof randomImage>) {
  const store = new FolderBlobStore(await tempDir("cds-reads-"));
  const shards: LibraryLayout["shards"] = [];
  const targets = [];
  for (let s = 0; s < 7; s++) {
    const images = Array.from({ length: 3 + s }, () => (rand() < 0.5 ? perturbed(mask, rand, [2, 0]) : randomImage(W, H, 0.05 + s * 0.1, rand)));
    const bytes = writeShard(images.map((image, i) => ({ metadata: { name: `s${s}-${i}`, sourcePath: `s${s}-${i}.tif` }, encoded: encodeTarget(image) })));
    await store.put(`shard-${s}.bin`, bytes);
    shards.push({ key: `shard-${s}.bin`, start: targets.length, count: images.length, bytes: bytes.length });
    targets.push(...images);
  }
  const layout: LibraryLayout = { name: "reads", width: W, height: H, count: targets.length, shards };
  return { store, layout, targets };
}

describe("batch search reading the next shard while scoring", () => {
  it("scores every target exactly, with one scratch reused over ranges and calls", async () => {
    const rand = seededRandom(77);
    const mask = randomImage(W, H, 0.2, rand);
    const { store, layout, targets } = await library(rand, mask);
    const prepared = prepareMask(mask, params);
    const scratch = createSearchScratch();
    // Ranges that start and end inside shards, searched one after another with one scratch.
    for (const [start, end] of [[0, layout.count], [2, 17], [17, layout.count], [5, 6], [0, layout.count]]) {
      const { matches, scored } = await searchLibraryRange(store, layout, prepared, start, end, { minMatchingPixRatio: 0, keepAll: true, scratch });
      expect(scored).toBe(end - start);
      expect(matches.map((m) => m.index).sort((a, b) => a - b)).toEqual(Array.from({ length: end - start }, (_, i) => start + i));
      for (const m of matches) expect({ index: m.index, matchingPixels: m.matchingPixels }).toEqual({ index: m.index, matchingPixels: scorePixelMatchPlain(mask, targets[m.index], params).matchingPixels });
    }
  });

  it("rejects with the store's error when a later shard is missing, and leaves nothing unhandled", async () => {
    const rand = seededRandom(78);
    const mask = randomImage(W, H, 0.2, rand);
    const { store, layout } = await library(rand, mask);
    const broken: LibraryLayout = { ...layout, shards: layout.shards.map((s, i) => (i === 3 ? { ...s, key: "gone.bin" } : s)) };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await expect(searchLibraryRange(store, broken, prepareMask(mask, params), 0, layout.count, { minMatchingPixRatio: 0 })).rejects.toBeInstanceOf(BlobNotFoundError);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
