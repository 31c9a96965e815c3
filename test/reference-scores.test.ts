import { describe, expect, it } from "vitest";
import { decodeImageFile, type RgbImage } from "@cds/core/image";
import { scorePixelMatch, scorePixelMatchPlain } from "@cds/core/scoring";
import { parseSearchParams, precomputeSearchParams } from "@cds/core/search";
import { cdsearch, hasSharedCdm, SKIP_SHARED_NOTE, upstreamPixelMatchCases } from "@cds/testing/shared-data";

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

describe.skipIf(!hasSharedCdm)("upstream pixel-match cases (colormipsearch unit test values)", () => {
  it.each(upstreamPixelMatchCases)("$mask vs $target → $matchingPixels (mirrored $mirrored), plain and fast", async (c) => {
    const mask = await decodeImageFile(cdsearch(c.mask));
    const target = await decodeImageFile(cdsearch(c.target));
    const plain = scorePixelMatchPlain(mask, target, precomputeSearchParams);
    const fast = scorePixelMatch(mask, target, precomputeSearchParams);
    expect({ matchingPixels: plain.matchingPixels, mirrored: plain.mirrored }).toEqual({
      matchingPixels: c.matchingPixels,
      mirrored: c.mirrored,
    });
    expect(fast).toEqual(plain);
    expect(plain.matchingRatio).toBe(c.matchingPixels / plain.maskSize);
  });

  it("the upstream test's 260-px legend band gives the same LPLC2 score as 270", async () => {
    const mask = await decodeImageFile(cdsearch(upstreamPixelMatchCases[0].mask));
    const target = await decodeImageFile(cdsearch(upstreamPixelMatchCases[0].target));
    const params = { ...precomputeSearchParams, excludeTopRight: { width: 260, height: 90 } };
    expect(scorePixelMatch(mask, target, params).matchingPixels).toBe(87);
  });

  it("the live web search's 250-px band leaks the legend strip x = 953..959 (224 px) into an unmasked CDM query", async () => {
    const lplc2 = await decodeImageFile(cdsearch(upstreamPixelMatchCases[0].mask));
    const withLegend = await decodeImageFile(cdsearch(upstreamPixelMatchCases[1].target));
    const liveBand = { ...precomputeSearchParams, excludeTopRight: { width: 250, height: 90 } };
    const java = scorePixelMatchPlain(lplc2, withLegend, precomputeSearchParams);
    const live = scorePixelMatchPlain(lplc2, withLegend, liveBand);
    expect(live.maskSize - java.maskSize).toBe(224);
    expect(live.matchingPixels - java.matchingPixels).toBe(224);
  });
});

describe("NeuronBridge's synthetic batch-search case (cdm-reference §1.12)", () => {
  function blocks(dx: number): RgbImage {
    const width = 1210;
    const height = 566;
    const rgb = new Uint8Array(3 * width * height);
    const paint = (x0: number, y0: number, color: number[]) => {
      for (let y = y0; y < y0 + 100; y++) for (let x = x0; x < x0 + 100; x++) rgb.set(color, 3 * (y * width + x + dx));
    };
    paint(400, 200, [254, 255, 0]);
    paint(700, 300, [54, 255, 201]);
    return { width, height, rgb };
  }

  it("a target holding the mask's blocks shifted by 2 px scores 20000 pixels, ratio 1, with xyShift 2", () => {
    const params = parseSearchParams({ xyShift: 2 });
    for (const score of [scorePixelMatchPlain(blocks(0), blocks(2), params), scorePixelMatch(blocks(0), blocks(2), params)]) {
      expect(score).toEqual({ matchingPixels: 20000, matchingRatio: 1, mirrored: false, maskSize: 20000 });
    }
  });

  it("without the shift (xyShift 0) only the overlapping columns match", () => {
    const score = scorePixelMatch(blocks(0), blocks(2), parseSearchParams({ xyShift: 0 }));
    expect(score.matchingPixels).toBe(2 * 98 * 100);
  });
});
