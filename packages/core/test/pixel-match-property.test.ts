import { describe, expect, it } from "vitest";
import { codeOfRgb, CODE_LIMIT, codeRank, codeSector, RATIOS } from "../src/scoring/color-code.ts";
import { pixelGap, Sector, sectorOf } from "../src/scoring/color-sector.ts";
import { prepareMask, scorePixelMatch, scoreTargetImage, useSimdScoring } from "../src/scoring/fast-scorer.ts";
import { simdKernel } from "../src/scoring/simd-kernel.ts";
import { matchIntervals } from "../src/scoring/match-intervals.ts";
import { scorePixelMatchPlain } from "../src/scoring/pixel-match-plain.ts";
import type { ScoreParams } from "../src/search-params.ts";
import { perturbed, randomColor, randomImage, seededRandom } from "@cds/testing/random-images";

describe("colour codes", () => {
  it("carry exactly the sector and ratio of sectorOf for every RGB colour", () => {
    const wrong: number[][] = [];
    for (let r = 0; r < 256; r++) {
      for (let g = 0; g < 256; g++) {
        for (let b = 0; b < 256; b += 3) {
          const { sector, ratio } = sectorOf(r, g, b);
          const code = codeOfRgb(r, g, b);
          const ok =
            sector === Sector.NONE
              ? code === 0
              : codeSector(code) === sector && RATIOS[codeRank(code)] === ratio && code < CODE_LIMIT;
          if (!ok) wrong.push([r, g, b]);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("match intervals contain exactly the target colours whose pixelGap is within tolerance", () => {
    const rand = seededRandom(7);
    const allCodes: number[] = [];
    for (let s = 0; s < 6; s++) for (let r = 0; r < RATIOS.length; r++) allCodes.push(((s + 1) << 15) | r);
    for (let trial = 0; trial < 60; trial++) {
      const tolerance = [0, 0.01, 0.02, 0.03, 0.05, 0.0118, 0.2][trial % 7];
      const [r, g, b] = randomColor(rand);
      const code = codeOfRgb(r, g, b);
      if (code === 0) continue;
      const { lo, width } = matchIntervals(code, tolerance);
      const a = RATIOS[codeRank(code)];
      for (const c of allCodes) {
        const expected = pixelGap(codeSector(code), a, codeSector(c), RATIOS[codeRank(c)]) <= tolerance;
        const inside = [0, 1, 2].some((i) => c >= lo[i] && c <= lo[i] + width[i]);
        if (inside !== expected) {
          expect({ mask: [r, g, b], tolerance, target: c, inside }).toEqual({ mask: [r, g, b], tolerance, target: c, inside: expected });
        }
      }
    }
  });
});

describe("fast scorer equals the plain scorer", () => {
  const base: ScoreParams = {
    maskThreshold: 20,
    dataThreshold: 20,
    pixColorFluctuation: 2,
    xyShift: 2,
    mirrorMask: true,
    excludeTopLeft: { width: 12, height: 5 },
    excludeTopRight: { width: 9, height: 4 },
  };

  it("on 400 random mask/target pairs with random parameters", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = seededRandom(seed);
      const width = 20 + Math.floor(rand() * 40);
      const height = 10 + Math.floor(rand() * 30);
      const mask = randomImage(width, height, 0.1 + rand() * 0.6, rand);
      const target =
        rand() < 0.5
          ? randomImage(width, height, rand() * 0.8, rand)
          : perturbed(mask, rand, [2 * Math.floor(rand() * 5) - 4, 2 * Math.floor(rand() * 5) - 4]);
      const params: ScoreParams = {
        ...base,
        maskThreshold: Math.floor(rand() * 200),
        dataThreshold: Math.floor(rand() * 200),
        pixColorFluctuation: [0, 0.5, 1, 1.18, 2, 3, 5, 20][Math.floor(rand() * 8)],
        xyShift: ([0, 2, 4] as const)[Math.floor(rand() * 3)],
        mirrorMask: rand() < 0.7,
        excludeTopLeft: { width: Math.floor(rand() * 15), height: Math.floor(rand() * 6) },
        excludeTopRight: { width: Math.floor(rand() * 80), height: Math.floor(rand() * 6) },
      };
      const plain = scorePixelMatchPlain(mask, target, params);
      const fast = scorePixelMatch(mask, target, params);
      expect({ seed, ...fast }).toEqual({ seed, ...plain });
    }
  });

  it("when mask pixels sit on the image border and shifts leave the image", () => {
    const rand = seededRandom(99);
    const width = 16;
    const height = 8;
    const mask = randomImage(width, height, 0, rand);
    for (let x = 0; x < width; x++) for (const y of [0, height - 1]) mask.rgb.set([0, 180, 255], 3 * (y * width + x));
    for (let y = 0; y < height; y++) for (const x of [0, width - 1]) mask.rgb.set([255, 180, 0], 3 * (y * width + x));
    const target = randomImage(width, height, 0.9, rand);
    for (const xyShift of [0, 2, 4] as const) {
      const params = { ...base, xyShift, excludeTopLeft: { width: 0, height: 0 }, excludeTopRight: { width: 0, height: 0 } };
      expect(scorePixelMatch(mask, target, params)).toEqual(scorePixelMatchPlain(mask, target, params));
    }
  });

  it("with both inner loops, WebAssembly SIMD and JavaScript, on 200 random pairs", () => {
    // Node 22 has WebAssembly SIMD on x64 and arm64; without it only the JS loop would be tested.
    expect(simdKernel()).not.toBeNull();
    try {
      for (let seed = 500; seed < 700; seed++) {
        const rand = seededRandom(seed);
        const width = 30 + Math.floor(rand() * 60);
        const height = 10 + Math.floor(rand() * 30);
        const mask = randomImage(width, height, 0.1 + rand() * 0.8, rand);
        const target = rand() < 0.5 ? randomImage(width, height, rand(), rand) : perturbed(mask, rand, [2, -2]);
        const params: ScoreParams = {
          ...base,
          dataThreshold: Math.floor(rand() * 100),
          pixColorFluctuation: [1, 2, 5, 20][Math.floor(rand() * 4)],
          xyShift: ([0, 2, 4] as const)[Math.floor(rand() * 3)],
          mirrorMask: rand() < 0.8,
        };
        const plain = scorePixelMatchPlain(mask, target, params);
        const prepared = prepareMask(mask, params);
        useSimdScoring(true);
        const simd = scoreTargetImage(prepared, target);
        useSimdScoring(false);
        const js = scoreTargetImage(prepared, target);
        expect({ seed, simd, js }).toEqual({ seed, simd: plain, js: plain });
      }
    } finally {
      useSimdScoring(true);
    }
  });
});
