import { describe, expect, it } from "vitest";
import type { Gray16Image } from "../src/image/png-decoder.ts";
import type { RgbImage } from "../src/image/rgb-image.ts";
import { cityBlockDistance, dilateBinary } from "../src/shape/binary-dilation.ts";
import { discHalfWidths } from "../src/shape/disc-kernel.ts";
import { gradientImage, gradientImagePlain } from "../src/shape/gradient-image.ts";
import { greyOf, greyOfSum } from "../src/shape/grey.ts";
import { maxFilterRgb } from "../src/shape/max-filter.ts";
import { maxFilterPlain, maxFilterRgbPlain } from "../src/shape/max-filter-plain.ts";
import { prepareShapeQuery } from "../src/shape/prepared-shape-query.ts";
import { queryImagesPlain } from "../src/shape/query-images.ts";
import { scoreShapePlain } from "../src/shape/shape-score-plain.ts";
import { scoreShape } from "../src/shape/shape-scorer.ts";
import type { ShapeParams } from "../src/shape/shape-params.ts";
import { shapeTargetOf } from "../src/shape/shape-target.ts";
import { createSliceTable, sliceNumber, sliceNumberPlain } from "../src/shape/slice-gap.ts";
import { zgapImage, zgapImagePlain } from "../src/shape/zgap-image.ts";
import { rainbowLut } from "../src/image/rainbow-lut.ts";
import { perturbed, randomColor, randomImage, seededRandom } from "@cds/testing/random-images";

/** Small label regions, so that random images have pixels on both sides of them. */
const params: ShapeParams = {
  queryThreshold: 20,
  targetThreshold: 20,
  mirror: true,
  excludeTopLeft: { width: 7, height: 4 },
  excludeTopRight: { width: 5, height: 3 },
};

/** A random image with blobs (so dilations overlap) over sparse random pixels. */
function blobby(width: number, height: number, rand: () => number): RgbImage {
  const image = randomImage(width, height, 0.02 + rand() * 0.1, rand);
  const blobs = Math.floor(rand() * 4);
  for (let b = 0; b < blobs; b++) {
    const cx = Math.floor(rand() * width);
    const cy = Math.floor(rand() * height);
    const r = 1 + Math.floor(rand() * 5);
    const color = randomColor(rand);
    for (let y = Math.max(0, cy - r); y < Math.min(height, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x < Math.min(width, cx + r); x++) image.rgb.set(color, 3 * (y * width + x));
    }
  }
  return image;
}

const RADII = [0, 0.5, 1, 1.5, 1.6, 2, 2.5, 2.7, 3, 4.2, 6, 10, 20];

describe("fast shape building blocks equal the plain ones", () => {
  it("grey from the channel sum equals ImageJ's weighted formula for every sum", () => {
    const wrong: number[][] = [];
    for (let r = 0; r < 256; r++) for (let g = 0; g < 256; g++) for (let b = 0; b < 256; b += 7) if (greyOfSum(r + g + b) !== greyOf(r, g, b)) wrong.push([r, g, b]);
    expect(wrong).toEqual([]);
  });

  it("the disc kernel is dx² + dy² ≤ floor(r²) + 1 (with ImageJ's nudges at 1.5 and 2.5)", () => {
    expect(Array.from(discHalfWidths(0.5))).toEqual([0, 1, 0]); // r2 = 1: a plus sign
    expect(Array.from(discHalfWidths(1))).toEqual([1, 1, 1]); // r2 = 2: 3×3
    expect(Array.from(discHalfWidths(1.5))).toEqual(Array.from(discHalfWidths(1.74)));
    expect(discHalfWidths(20).length).toBe(41);
    expect(discHalfWidths(60)[60]).toBe(60);
  });

  it("max filter: brightest-first fill equals the disc maximum, 150 random images and radii", () => {
    const rand = seededRandom(11);
    for (let trial = 0; trial < 150; trial++) {
      const width = 1 + Math.floor(rand() * 40);
      const height = 1 + Math.floor(rand() * 30);
      const image = blobby(width, height, rand);
      const radius = RADII[trial % RADII.length];
      expect(maxFilterRgb(image, radius).rgb, `trial ${trial}: ${width}×${height} r ${radius}`).toEqual(maxFilterRgbPlain(image, radius).rgb);
    }
  });

  it("binary dilation equals the max filter thresholded at > 0, and city-block distance equals pass-by-pass growth", () => {
    const rand = seededRandom(12);
    for (let trial = 0; trial < 150; trial++) {
      const width = 1 + Math.floor(rand() * 45);
      const height = 1 + Math.floor(rand() * 35);
      const density = [0, 0.002, 0.02, 0.2, 0.9][trial % 5];
      const set = Uint8Array.from({ length: width * height }, () => (rand() < density ? 1 : 0));
      const radius = RADII[trial % RADII.length];
      const expected = maxFilterPlain(set, width, height, 1, radius);
      expect(dilateBinary(set, width, height, radius), `trial ${trial}`).toEqual(expected);
      expect(cityBlockDistance(set, width, height, 65535), `trial ${trial}`).toEqual(growByPasses(set, width, height));
    }
  });

  it("gradient and zgap recipes: fast equals plain on 32 random targets", () => {
    const rand = seededRandom(13);
    for (let trial = 0; trial < 32; trial++) {
      // Wide enough for the recipe's fixed 330/270-pixel label bands to leave a middle.
      const width = 600 + Math.floor(rand() * 80);
      const height = 40 + Math.floor(rand() * 80);
      const target = randomImage(width, height, [0, 0.0005, 0.003, 0.01][trial % 4], rand);
      const radius = [20, 4, 10, 1.5][trial % 4];
      expect(gradientImage(target, radius).data, `gradient trial ${trial}`).toEqual(gradientImagePlain(target, radius).data);
      expect(zgapImage(target, radius, params).rgb, `zgap trial ${trial}`).toEqual(zgapImagePlain(target, radius, params).rgb);
    }
  });

  it("slice numbers through the memo table equal the plain LUT search for 20,000 colours", () => {
    const lut = rainbowLut();
    const table = createSliceTable(lut);
    const rand = seededRandom(14);
    for (let i = 0; i < 20_000; i++) {
      const [r, g, b] = randomColor(rand);
      expect(sliceNumber(table, r, g, b)).toBe(sliceNumberPlain(lut, r, g, b));
    }
    expect(sliceNumberPlain(lut, 0, 0, 0)).toBe(0);
    expect(sliceNumberPlain(lut, lut[0], lut[1], lut[2])).toBe(1);
    expect(sliceNumberPlain(lut, lut[765], lut[766], lut[767])).toBe(256);
  });
});

describe("fast shape scorer equals the plain scorer", () => {
  it("on 120 random queries and targets, with random gradients and zgaps, mirrored or not", () => {
    const rand = seededRandom(15);
    const lut = rainbowLut();
    let mirroredWins = 0;
    for (let trial = 0; trial < 120; trial++) {
      const width = 8 + Math.floor(rand() * 50);
      const height = 6 + Math.floor(rand() * 30);
      const query = blobby(width, height, rand);
      const target = trial % 3 === 0 ? perturbed(query, rand, [Math.floor(rand() * 5) - 2, 0]) : blobby(width, height, rand);
      const gradient: Gray16Image =
        trial % 2 === 0
          ? gradientImagePlain(target, 2)
          : { width, height, data: Uint16Array.from({ length: width * height }, () => (rand() < 0.1 ? 65535 : Math.floor(rand() * 40))) };
      const zgap = trial % 4 === 1 ? blobby(width, height, rand) : zgapImagePlain(target, 1 + Math.floor(rand() * 4), params);
      const p = { ...params, mirror: trial % 5 !== 0, queryThreshold: [20, 0, 60][trial % 3], targetThreshold: [20, 5][trial % 2] };
      const plain = scoreShapePlain(query, target, gradient, zgap, p, lut, queryImagesPlain(query, p));
      const fast = scoreShape(prepareShapeQuery(query, p, lut), shapeTargetOf(target, gradient, zgap, p));
      expect(fast, `trial ${trial}`).toEqual(plain);
      if (plain.mirrored) mirroredWins++;
    }
    // The mirrored branch is really exercised.
    expect(mirroredWins).toBeGreaterThan(5);
  });
});

/** The recipe's distance, pass by pass (cdm-reference §2.3 step 5). */
function growByPasses(set: Uint8Array, W: number, H: number): Uint16Array {
  const d = Uint16Array.from(set, (v) => (v ? 0 : 65535));
  for (let k = 1; ; k++) {
    let changed = false;
    for (let p = 0; p < W * H; p++) {
      if (d[p] !== 65535) continue;
      const x = p % W;
      if ((x > 0 && d[p - 1] === k - 1) || (x < W - 1 && d[p + 1] === k - 1) || (p >= W && d[p - W] === k - 1) || (p + W < W * H && d[p + W] === k - 1)) {
        d[p] = k;
        changed = true;
      }
    }
    if (!changed) return d;
  }
}
