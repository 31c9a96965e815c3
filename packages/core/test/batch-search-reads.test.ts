import { describe, expect, it } from "vitest";
import { FolderBlobStore } from "@cds/local";
import { encodeTarget } from "../src/library/encoded-target.ts";
import type { LibraryLayout } from "../src/library/library-manifest.ts";
import { writeShard } from "../src/library/shard-format.ts";
import { prepareMask } from "../src/scoring/fast-scorer.ts";
import { scorePixelMatchPlain } from "../src/scoring/pixel-match-plain.ts";
import { createSearchScratch, searchLibraryRange } from "../src/search/batch-search.ts";
import { defaultSearchParams } from "../src/search-params.ts";
import { BlobNotFoundError, type BlobStore, type RangedObject } from "../src/ports/blob-store.ts";
import type { RgbImage } from "../src/image/rgb-image.ts";
import { perturbed, randomImage, seededRandom } from "@cds/testing/random-images";
import { tempDir } from "@cds/testing/temp-dir";

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

/** The same folder seen as a store that reads whole objects only (as S3 and checked shards do). */
function wholeReads(store: BlobStore): BlobStore {
  return { location: store.location, get: (k) => store.get(k), getReusing: (k, s) => store.getReusing!(k, s), put: (k, b) => store.put(k, b), exists: (k) => store.exists(k), list: (p) => store.list(p), deletePrefix: (p) => store.deletePrefix(p) };
}

/** The folder store, counting the bytes its ranged reads copy. */
function countingRanges(store: BlobStore) {
  const counted = { bytes: 0, objects: 0 };
  const wrapped: BlobStore = {
    ...wholeReads(store),
    openRanged: async (key) => {
      const object = await store.openRanged!(key);
      counted.objects++;
      const view: RangedObject = { size: object.size, readInto: (into, position, length) => ((counted.bytes += length), object.readInto(into, position, length)), close: () => object.close() };
      return view;
    },
  };
  return { store: wrapped, counted };
}

/** A mask lit only in rows [from, to]: its footprint reaches a band of row blocks. */
function bandMask(rand: () => number, from: number, to: number): RgbImage {
  const mask = randomImage(W, H, 0.3, rand);
  for (let y = 0; y < H; y++) if (y < from || y > to) mask.rgb.fill(0, 3 * W * y, 3 * W * (y + 1));
  return mask;
}

describe.each([
  { reads: "in parts (a folder: ranged reads)", view: (store: BlobStore) => store },
  { reads: "whole, the next while scoring (S3, checked shards)", view: wholeReads },
])("batch search reading shards $reads", ({ view }) => {
  it("scores every target exactly, with one scratch reused over ranges and calls", async () => {
    const rand = seededRandom(77);
    const mask = randomImage(W, H, 0.2, rand);
    const built = await library(rand, mask);
    const { layout, targets } = built;
    const store = view(built.store);
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
    const built = await library(rand, mask);
    const { layout } = built;
    const store = view(built.store);
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

describe("batch search reading shards in parts", () => {
  it("reads only the row blocks a mask reaches, and scores exactly as whole reads and the plain implementation, with and without pruning", async () => {
    const rand = seededRandom(91);
    // Bands at the top, inside, across a block edge and at the bottom (blocks are 8 rows), and one
    // row: each reaches a different set of row blocks (shifts reach 2 rows further).
    for (const [from, to] of [[0, 3], [9, 14], [15, 17], [33, 39], [20, 20]]) {
      const mask = bandMask(rand, from, to);
      const { store, layout, targets } = await library(rand, mask);
      const prepared = prepareMask(mask, params);
      const counting = countingRanges(store);
      for (const prune of [true, false]) {
        const parts = await searchLibraryRange(counting.store, layout, prepared, 0, layout.count, { minMatchingPixRatio: 1, prune });
        const whole = await searchLibraryRange(wholeReads(store), layout, prepared, 0, layout.count, { minMatchingPixRatio: 1, prune });
        expect(parts.matches).toEqual(whole.matches);
        const plain = targets.map((t) => scorePixelMatchPlain(mask, t, params));
        expect(parts.matches.map((m) => [m.index, m.matchingPixels, m.mirrored])).toEqual(
          whole.matches.map((m) => [m.index, plain[m.index].matchingPixels, plain[m.index].mirrored]),
        );
      }
      const wholeBytes = layout.shards.reduce((n, s) => n + s.bytes, 0);
      expect(counting.counted.objects).toBe(2 * layout.shards.length);
      // Header, palette and indexes are a large share of shards this small: on real ones, a third.
      expect(counting.counted.bytes).toBeLessThan(0.9 * 2 * wholeBytes);
    }
  });
});
