import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FolderBlobStore } from "@cds/local";
import { encodeTarget } from "../src/library/encoded-target.ts";
import { readShard, writeShard } from "../src/library/shard-format.ts";
import type { LibraryLayout } from "../src/library/library-manifest.ts";
import type { RgbImage } from "../src/image/rgb-image.ts";
import { searchLibraryRange } from "../src/search/batch-search.ts";
import { prepareMask } from "../src/scoring/fast-scorer.ts";
import { scorePixelMatchPlain } from "../src/scoring/pixel-match-plain.ts";
import { parseSearchParams } from "../src/search-params.ts";
import { perturbed, randomImage, seededRandom } from "@cds/testing/random-images";
import { tempDir } from "@cds/testing/temp-dir";

const metadata = (i: number) => ({ name: `t${i}`, sourcePath: `t${i}.tif` });

/** Every pixel a shard stores for an item, as a map position → value, read back from the tile streams. */
function storedPixels(bytes: Uint8Array, item: number): Map<number, number> {
  const shard = readShard(bytes);
  const { width: W, height: H, pixelBytes } = shard.header;
  const columns = Math.ceil(W / 64);
  const blocks = shard.blocks(item);
  const tiles = shard.tiles(item);
  const stream = shard.runs(item);
  const pixels = shard.pixels(item);
  const out = new Map<number, number>();
  const varint = (at: { i: number }) => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = stream[at.i++];
      v |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
  };
  const tileCount = Math.ceil(H / 8) * columns;
  for (let tile = 0; tile < tileCount; tile++) {
    const block = Math.floor(tile / columns);
    const column = tile % columns;
    const at = { i: blocks[2 * block] + tiles[2 * tile] };
    const stop = tile + 1 === tileCount ? stream.length : column + 1 < columns ? blocks[2 * block] + tiles[2 * tile + 2] : blocks[2 * block + 2];
    let k = blocks[2 * block + 1] + tiles[2 * tile + 1];
    let end = block * 8 * W + column * 64;
    while (at.i < stop) {
      const start = end + varint(at);
      const length = varint(at);
      for (let p = start; p < start + length; p++, k++) {
        out.set(p, pixelBytes === 2 ? shard.palette[pixels[k]] : pixels[3 * k] | (pixels[3 * k + 1] << 8) | (pixels[3 * k + 2] << 16));
      }
      end = start + length;
    }
  }
  return out;
}

function expectedPixels(image: RgbImage): Map<number, number> {
  const encoded = encodeTarget(image);
  const out = new Map<number, number>();
  for (let r = 0, k = 0; r < encoded.runs.length; r += 2) {
    for (let p = encoded.runs[r]; p < encoded.runs[r] + encoded.runs[r + 1]; p++) out.set(p, encoded.values[k++]);
  }
  return out;
}

async function storeShard(bytes: Uint8Array, count: number, width: number, height: number) {
  const store = new FolderBlobStore(await tempDir("cds-shard-"));
  await store.put("s.bin", bytes);
  const layout: LibraryLayout = { name: "t", width, height, count, shards: [{ key: "s.bin", start: 0, count, bytes: bytes.length }] };
  return { store, layout };
}

describe("the shard format", () => {
  it("stores exactly the pixels that have a hue sector, with their values, in palette mode", () => {
    const rand = seededRandom(3);
    const images = [0, 1, 2].map(() => randomImage(150, 70, 0.3, rand));
    const bytes = writeShard(images.map((image, i) => ({ metadata: metadata(i), encoded: encodeTarget(image) })));
    expect(readShard(bytes).header.pixelBytes).toBe(2);
    images.forEach((image, i) => expect(storedPixels(bytes, i)).toEqual(expectedPixels(image)));
  });

  it("switches to 3-byte direct values when a shard has more than 65,536 distinct colours, losing nothing", () => {
    const rand = seededRandom(4);
    const image = randomImage(600, 400, 0.9, rand);
    const bytes = writeShard([{ metadata: metadata(0), encoded: encodeTarget(image) }]);
    expect(readShard(bytes).header.pixelBytes).toBe(3);
    expect(storedPixels(bytes, 0)).toEqual(expectedPixels(image));
  });

  it("rejects bytes that are not a shard, and a truncated shard, with clear messages", () => {
    const bytes = writeShard([{ metadata: metadata(0), encoded: encodeTarget(randomImage(40, 20, 0.5, seededRandom(5))) }]);
    expect(() => readShard(new TextEncoder().encode("hello, not a shard"), "x.bin")).toThrow(/x\.bin is not a library shard/);
    expect(() => readShard(bytes.subarray(0, bytes.length - 8), "y.bin")).toThrow(/y\.bin is truncated/);
  });
});

describe("indexed scores equal the plain implementation in both pixel modes", () => {
  const cases = [
    { mode: 2, width: 160, height: 90, lit: 0.3 },
    { mode: 3, width: 600, height: 400, lit: 0.9 },
  ];
  it.each(cases)("pixel bytes $mode, data thresholds 0, 1, 20 and 100", async ({ mode, width, height, lit }) => {
    const rand = seededRandom(10 + mode);
    const mask = randomImage(width, height, 0.2, rand);
    const targets = [randomImage(width, height, lit, rand), perturbed(mask, rand, [2, 0]), perturbed(mask, rand, [0, -2])];
    const bytes = writeShard(targets.map((image, i) => ({ metadata: metadata(i), encoded: encodeTarget(image) })));
    expect(readShard(bytes).header.pixelBytes).toBe(mode);
    const { store, layout } = await storeShard(bytes, targets.length, width, height);
    for (const dataThreshold of [0, 1, 20, 100]) {
      const params = parseSearchParams({ maskThreshold: 20, dataThreshold, excludeTopLeft: "10x5", excludeTopRight: "10x5" });
      const { matches } = await searchLibraryRange(store, layout, prepareMask(mask, params), 0, targets.length, { minMatchingPixRatio: 0, keepAll: true });
      const byIndex = new Map(matches.map((m) => [m.index, m]));
      targets.forEach((target, i) => {
        const { matchingPixels, matchingRatio, mirrored, maskSize } = byIndex.get(i)!;
        expect({ dataThreshold, i, matchingPixels, matchingRatio, mirrored, maskSize }).toEqual({ dataThreshold, i, ...scorePixelMatchPlain(mask, target, params) });
      });
    }
  });
});
