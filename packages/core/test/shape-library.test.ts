import { describe, expect, it } from "vitest";
import { LibraryFormatError } from "../src/library/shard-format.ts";
import type { TargetMatch } from "../src/search/ranking.ts";
import { decodeShapeCompanion, encodeShapeCompanion, shapeCompanionKey } from "../src/shape/shape-companion.ts";
import { rankByShape, shortlistForShape } from "../src/shape/shape-ranking.ts";
import { defaultShapeParams } from "../src/shape/shape-params.ts";
import { shapeTargetFromImages, shapeTargetOf, type ShapeTarget } from "../src/shape/shape-target.ts";
import { generateCdm } from "@cds/synthetic";
import { seededRandom } from "@cds/testing/random-images";
import { aMatch } from "@cds/testing/results-builders";

describe("shape data beside the shards", () => {
  it("round-trips a recipe-made target exactly (1-byte gradient deltas)", () => {
    const target = shapeTargetFromImages(generateCdm({ seed: "companion" }), defaultShapeParams);
    const bytes = encodeShapeCompanion(target, { gradient: "recipe", zgap: "recipe" });
    const back = decodeShapeCompanion(bytes, "t");
    expect(back.header.gradientCoding).toBe(1);
    expect(same(back, target)).toBe(true);
    // Far smaller than the 4.8 MB of raw images it stands for.
    expect(bytes.length).toBeLessThan(400_000);
  });

  it("keeps an empty target's all-65535 gradient in 1-byte deltas", () => {
    const blank = { width: 80, height: 30, rgb: new Uint8Array(3 * 80 * 30) };
    const target = shapeTargetFromImages(blank, { ...defaultShapeParams, excludeTopLeft: { width: 0, height: 0 }, excludeTopRight: { width: 0, height: 0 } });
    const back = decodeShapeCompanion(encodeShapeCompanion(target, { gradient: "recipe", zgap: "recipe" }));
    expect(back.header.gradientCoding).toBe(1);
    expect(back.gradient.every((v) => v === 65535)).toBe(true);
  });

  it("round-trips a gradient file with large steps (16-bit samples)", () => {
    const rand = seededRandom(3);
    const W = 50;
    const H = 20;
    const image = (n: number) => Uint8Array.from({ length: n }, () => (rand() < 0.4 ? 0 : Math.floor(rand() * 256)));
    const target: ShapeTarget = shapeTargetOf(
      { width: W, height: H, rgb: image(3 * W * H) },
      { width: W, height: H, data: Uint16Array.from({ length: W * H }, () => Math.floor(rand() * 65536)) },
      { width: W, height: H, rgb: image(3 * W * H) },
      { ...defaultShapeParams, excludeTopLeft: { width: 0, height: 0 }, excludeTopRight: { width: 0, height: 0 } },
    );
    const back = decodeShapeCompanion(encodeShapeCompanion(target, { gradient: "file", zgap: "file" }));
    expect(back.header.gradientCoding).toBe(2);
    expect(same(back, target)).toBe(true);
  });

  it("refuses foreign, truncated and oversized objects with a LibraryFormatError naming the key", () => {
    const target = shapeTargetFromImages(generateCdm({ seed: "bad" }), defaultShapeParams);
    const bytes = encodeShapeCompanion(target, { gradient: "recipe", zgap: "recipe" });
    expect(() => decodeShapeCompanion(new TextEncoder().encode("not shape data at all"), "k1")).toThrow(LibraryFormatError);
    expect(() => decodeShapeCompanion(bytes.subarray(0, bytes.length - 40), "k2")).toThrow(/k2 is (damaged|truncated)/);
    const huge = new TextEncoder().encode(JSON.stringify({ formatVersion: 1, width: 100_000, height: 100_000, threshold: 20, gradientCoding: 1 }));
    const forged = new Uint8Array(12 + huge.length);
    forged.set(new TextEncoder().encode("CDSSHAP1"));
    new DataView(forged.buffer).setUint32(8, huge.length, true);
    forged.set(huge, 12);
    expect(() => decodeShapeCompanion(forged, "k3")).toThrow(/k3 has a damaged header/);
  });

  it("keys sit beside the shard, one per item", () => {
    expect(shapeCompanionKey("data/b1/05/shard-000037.bin", 12)).toBe("data/b1/05/shard-000037.shape/0012.bin");
  });
});

/** Field by field (typed-array contents, not their kind: decoded ones are views into one buffer). */
function same(a: ShapeTarget, b: ShapeTarget): boolean {
  const eq = (x: ArrayLike<number>, y: ArrayLike<number>) => x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => v === y[i]);
  return (
    a.width === b.width && a.height === b.height && a.threshold === b.threshold &&
    eq(a.gradient, b.gradient) && eq(a.zgapBits, b.zgapBits) && eq(a.zgapRank, b.zgapRank) && eq(a.zgapRgb, b.zgapRgb) && eq(a.signalBits, b.signalBits)
  );
}

function match(index: number, matchingPixels: number, publishedName?: string): TargetMatch {
  return aMatch(index, matchingPixels, { item: { name: `t${index}`, sourcePath: `t${index}.tif`, ...(publishedName ? { publishedName } : {}) } });
}

describe("the precompute's selection and normalised ranking", () => {
  it("drops matches at or below the minimum ratio, then keeps every sample of the best N lines", () => {
    const matches = [match(0, 500, "A"), match(1, 400, "B"), match(2, 300, "A"), match(3, 250, "C"), match(4, 20, "D"), match(5, 260)];
    // Line ranking by best pixels: A 500, B 400, t5 260 (no publishedName: its own line), C 250; D is below 2 %.
    expect(shortlistForShape(matches, { minMatchingPixRatio: 2, topLines: 2 }).map((m) => m.index)).toEqual([0, 1, 2]);
    expect(shortlistForShape(matches, { minMatchingPixRatio: 2, topLines: 3 }).map((m) => m.index)).toEqual([0, 1, 2, 5]);
    expect(shortlistForShape(matches, { minMatchingPixRatio: 2, topLines: 300 }).map((m) => m.index)).toEqual([0, 1, 2, 3, 5]);
    expect(shortlistForShape(matches, { minMatchingPixRatio: 50, topLines: 300 })).toEqual([]);
  });

  it("sorts by normalizedScore: a good shape beats more pixels", () => {
    const ranked = rankByShape([
      { match: match(0, 1000), shape: { gradientAreaGap: 9000, highExpressionArea: 3000, shapeScore: 10000, mirrored: false } },
      { match: match(1, 600), shape: { gradientAreaGap: 500, highExpressionArea: 0, shapeScore: 500, mirrored: true } },
    ]);
    expect(ranked.map((m) => m.index)).toEqual([1, 0]);
    expect(ranked[0]).toMatchObject({ shapeScore: 500, shapeMirrored: true, normalizedScore: (0.6 / 0.125) * 100 });
    expect(ranked[1].normalizedScore).toBe(100);
  });
});
