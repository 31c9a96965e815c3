import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeImage } from "../src/image/decode-image.ts";
import { decodeGray16Png } from "../src/image/png-decoder.ts";
import type { RgbImage } from "../src/image/rgb-image.ts";
import { gradientImage, gradientImagePlain } from "../src/shape/gradient-image.ts";
import { normalizedScore } from "../src/shape/normalized-score.ts";
import { prepareShapeQuery } from "../src/shape/prepared-shape-query.ts";
import { queryImagesPlain } from "../src/shape/query-images.ts";
import { shapeScoreOf } from "../src/shape/shape-score.ts";
import { scoreShapePlain } from "../src/shape/shape-score-plain.ts";
import { scoreShape } from "../src/shape/shape-scorer.ts";
import { defaultShapeParams, ZGAP_FALLBACK_RADIUS } from "../src/shape/shape-params.ts";
import { shapeTargetOf } from "../src/shape/shape-target.ts";
import { zgapImage, zgapImagePlain } from "../src/shape/zgap-image.ts";
import { parseLut } from "../src/image/rainbow-lut.ts";
import { hasSharedCdm, readShared, sharedCdmDir, SKIP_SHARED_NOTE } from "./fixtures-image.ts";

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const BJD = "BJD_127B01_AE_01-20171124_64_H6-40x-Brain-JRC2018_Unisex_20x_HR-2483089192251293794-CH2-01_CDM";
const VT016795 = "VT016795_115C08_AE_01-20200221_61_I2-m-CH1_01";
const VT033614 = "VT033614_127B01_AE_01-20171124_64_H6-f-CH2_01";
const MASKS = { "12191_JRC2018U": "ems/12191_JRC2018U.tif", "12191_JRC2018U_FL": "ems/12191_JRC2018U_FL.tif" } as const;
const TARGETS = { VT033614, BJD, VT016795 } as const;
type MaskName = keyof typeof MASKS;
type TargetName = keyof typeof TARGETS;

/** `Shape2DMatchColorDepthSearchAlgorithmTest`, as ../shared/data/cdm/README.md lists it. */
const SHAPE_ROWS: { mask: MaskName; target: TargetName; gradient: TargetName; zgapFile: boolean; expected: [number, number, number, boolean] }[] = [
  { mask: "12191_JRC2018U", target: "VT033614", gradient: "VT033614", zgapFile: false, expected: [21365, 731, 21608, false] },
  { mask: "12191_JRC2018U", target: "BJD", gradient: "BJD", zgapFile: true, expected: [33884, 523, 34058, false] },
  { mask: "12191_JRC2018U", target: "BJD", gradient: "BJD", zgapFile: false, expected: [23359, 523, 23533, false] },
  { mask: "12191_JRC2018U", target: "BJD", gradient: "VT033614", zgapFile: false, expected: [23367, 523, 23541, false] },
  { mask: "12191_JRC2018U", target: "VT016795", gradient: "VT016795", zgapFile: false, expected: [40696, 17253, 46447, true] },
  { mask: "12191_JRC2018U_FL", target: "VT033614", gradient: "VT033614", zgapFile: false, expected: [65381, 677, 65606, false] },
  { mask: "12191_JRC2018U_FL", target: "VT016795", gradient: "VT016795", zgapFile: false, expected: [104449, 16803, 110050, true] },
];

/** `GradientAreaGapUtilsTest`: matchingPixels, gradientAreaGap, highExpressionArea, maxPixels, maxShapeScore → shape, normalized. */
const NORMALISATION_ROWS: [number, number, number, number, number, number, number][] = [
  [636, 156, 1897, 679, 1114361, 788, 46833.58],
  [636, 233, 1644, 679, 1107088, 781, 46833.58],
  [636, 0, 1644, 679, 1114361, 548, 46833.58],
  [795, 123, 93, 875, 1606182, 154, 45428.57],
];

const cache = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}
const image = (path: string) => once(`img:${path}`, () => decodeImage(readShared(`colormipsearch/cdsearch/${path}`), { name: path }));
const gradientFile = (name: TargetName) => decodeGray16Png(readShared(`colormipsearch/cdsearch/grad/${TARGETS[name]}.png`));
const lut = () => once("lut", () => parseLut(readFileSync(join(sharedCdmDir, "lut/PsychedelicRainBow2.lut"), "utf8")));

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = a.length === b.length ? 0 : Math.max(a.length, b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

describe.skipIf(!hasSharedCdm)("2-D shape score on the upstream test images", () => {
  for (const row of SHAPE_ROWS) {
    const title = `${row.mask} vs ${row.target} (gradient ${row.gradient}, zgap ${row.zgapFile ? "file" : "computed r10"})`;
    it(`${title}: plain and fast give ${row.expected.join(" / ")}`, async () => {
      const query = await image(MASKS[row.mask]);
      const target = await image(`lms/${TARGETS[row.target]}.tif`);
      const gradient = gradientFile(row.gradient);
      const zgap: RgbImage = row.zgapFile
        ? await image(`zgap/${TARGETS[row.target]}.tif`)
        : once(`z10:${row.target}`, () => zgapImagePlain(target, ZGAP_FALLBACK_RADIUS));
      const plain = scoreShapePlain(query, target, gradient, zgap, defaultShapeParams, lut(), once(`qi:${row.mask}`, () => queryImagesPlain(query, defaultShapeParams)));
      const prepared = once(`prep:${row.mask}`, () => prepareShapeQuery(query, defaultShapeParams, lut()));
      const fastZgap = row.zgapFile ? zgap : zgapImage(target, ZGAP_FALLBACK_RADIUS);
      const fast = scoreShape(prepared, shapeTargetOf(target, gradient, fastZgap, defaultShapeParams));
      const [gap, area, score, mirrored] = row.expected;
      expect(plain).toEqual({ gradientAreaGap: gap, highExpressionArea: area, shapeScore: score, mirrored });
      expect(fast).toEqual(plain);
    });
  }

  it("12191_JRC2018U_FL: signal mask 17340 pixels and high-expression annulus 70640, both ways", async () => {
    const query = await image(MASKS["12191_JRC2018U_FL"]);
    const plain = once("qi:12191_JRC2018U_FL", () => queryImagesPlain(query, defaultShapeParams));
    const count = (a: Uint8Array) => a.reduce((n, v) => n + v, 0);
    expect([count(plain.signal), count(plain.highExpression)]).toEqual([17340, 70640]);
    const fast = once("prep:12191_JRC2018U_FL", () => prepareShapeQuery(query, defaultShapeParams, lut()));
    expect([fast.signalSize, fast.highExpression.length]).toEqual([17340, 70640]);
  });

  for (const name of ["VT033614", "VT016795"] as const) {
    it(`the gradient recipe reproduces grad/${name}….png exactly (plain and fast)`, async () => {
      const target = await image(`lms/${TARGETS[name]}.tif`);
      const file = gradientFile(name);
      expect(differing(gradientImagePlain(target).data, file.data)).toBe(0);
      expect(differing(gradientImage(target).data, file.data)).toBe(0);
    });
  }

  it("grad/BJD….png is not the recipe's output (upstream made it from another source image)", async () => {
    const target = await image(`lms/${BJD}.tif`);
    expect(differing(gradientImage(target).data, gradientFile("BJD").data)).toBeGreaterThan(100_000);
  });

  it("the zgap recipe (radius 20) reproduces zgap/BJD….tif exactly (plain and fast)", async () => {
    const target = await image(`lms/${BJD}.tif`);
    const file = await image(`zgap/${BJD}.tif`);
    expect(differing(zgapImagePlain(target).rgb, file.rgb)).toBe(0);
    expect(differing(zgapImage(target).rgb, file.rgb)).toBe(0);
  });
});

describe("normalised score (GradientAreaGapUtilsTest)", () => {
  for (const [pixels, gap, area, maxPixels, maxShape, shape, expected] of NORMALISATION_ROWS) {
    it(`${pixels} px, gap ${gap}, area ${area} → shape ${shape}, normalised ${expected}`, () => {
      expect(shapeScoreOf(gap, area)).toBe(shape);
      expect(normalizedScore(pixels, shapeScoreOf(gap, area), maxPixels, maxShape)).toBeCloseTo(expected, 2);
    });
  }

  it("falls back to the pixel score without a usable shape score", () => {
    expect(normalizedScore(0, 10, 100, 100)).toBe(0);
    expect(normalizedScore(50, -1, 100, 100)).toBe(50);
    expect(normalizedScore(50, 10, 0, 100)).toBe(50);
    expect(normalizedScore(50, 10, 100, 0)).toBe(50);
    // The clamp's top: a shape score at 40 % of the worst or more divides by 1.
    expect(normalizedScore(50, 60, 100, 100)).toBe(50);
  });
});
