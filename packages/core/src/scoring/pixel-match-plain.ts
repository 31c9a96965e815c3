import type { RgbImage } from "../image/rgb-image.ts";
import type { ScoreParams } from "../search-params.ts";
import { pixelGap, sectorOf } from "./color-sector.ts";
import { isInLabelRegion } from "./label-regions.ts";
import type { PixelMatchScore } from "./pixel-match-score.ts";
import { assertSameSize } from "./same-size.ts";

/**
 * The pixel-match score written to read like cdm-reference §1.2–1.7, with no shortcuts.
 * It is the yardstick the fast scorer is tested against; production uses `FastScorer`.
 *
 * @example
 * const score = scorePixelMatchPlain(mask, target, defaultSearchParams);
 */
export function scorePixelMatchPlain(mask: RgbImage, target: RgbImage, params: ScoreParams): PixelMatchScore {
  assertSameSize(mask, target);
  const { width: W, height: H } = mask;
  const maskPos = maskPositions(mask, params);
  const lists = shiftedPositionLists(maskPos, W, H, params.xyShift);
  const tolerance = params.pixColorFluctuation / 100;
  const count = (list: Int32Array) => countMatches(list, maskPos, mask, target, params.dataThreshold, tolerance);

  let best = Math.max(...lists.map(count));
  let mirrored = false;
  if (params.mirrorMask) {
    const mirroredBest = Math.max(...lists.map((list) => count(mirrorPositions(list, W))));
    if (mirroredBest > best) {
      best = mirroredBest;
      mirrored = true;
    }
  }
  return {
    matchingPixels: best,
    matchingRatio: maskPos.length > 0 ? best / maskPos.length : 0,
    mirrored,
    maskSize: maskPos.length,
  };
}

/** §1.2: ascending positions of mask pixels above the threshold, outside the label regions. */
export function maskPositions(mask: RgbImage, params: Pick<ScoreParams, "maskThreshold" | "excludeTopLeft" | "excludeTopRight">): Int32Array {
  const { width: W, height: H, rgb } = mask;
  const out: number[] = [];
  for (let p = 0; p < W * H; p++) {
    const x = p % W;
    const y = Math.floor(p / W);
    if (isInLabelRegion(x, y, W, params.excludeTopLeft, params.excludeTopRight)) continue;
    if (anyChannelAbove(rgb, p, params.maskThreshold)) out.push(p);
  }
  return Int32Array.from(out);
}

/** §1.3: the distinct XY offsets for an xyShift — (0,0), then the 8 neighbours at each even ring. */
export function xyOffsets(xyShift: number): [number, number][] {
  const offsets: [number, number][] = [[0, 0]];
  for (let ring = 2; ring <= xyShift; ring += 2) {
    for (const dy of [-ring, 0, ring]) {
      for (const dx of [-ring, 0, ring]) {
        if (dx !== 0 || dy !== 0) offsets.push([dx, dy]);
      }
    }
  }
  return offsets;
}

function shiftedPositionLists(maskPos: Int32Array, W: number, H: number, xyShift: number): Int32Array[] {
  return xyOffsets(xyShift).map(([dx, dy]) =>
    maskPos.map((p) => {
      const x = (p % W) + dx;
      const y = Math.floor(p / W) + dy;
      return x >= 0 && x < W && y >= 0 && y < H ? y * W + x : -1;
    }),
  );
}

function mirrorPositions(list: Int32Array, W: number): Int32Array {
  return list.map((q) => (q < 0 ? -1 : q + (W - 1) - 2 * (q % W)));
}

function countMatches(
  list: Int32Array,
  maskPos: Int32Array,
  mask: RgbImage,
  target: RgbImage,
  dataThreshold: number,
  tolerance: number,
): number {
  let n = 0;
  for (let j = 0; j < list.length; j++) {
    const t = list[j];
    if (t === -1) continue;
    if (!anyChannelAbove(target.rgb, t, dataThreshold)) continue;
    const m = sectorOf(mask.rgb[3 * maskPos[j]], mask.rgb[3 * maskPos[j] + 1], mask.rgb[3 * maskPos[j] + 2]);
    const d = sectorOf(target.rgb[3 * t], target.rgb[3 * t + 1], target.rgb[3 * t + 2]);
    if (pixelGap(m.sector, m.ratio, d.sector, d.ratio) <= tolerance) n++;
  }
  return n;
}

function anyChannelAbove(rgb: Uint8Array, p: number, threshold: number): boolean {
  return rgb[3 * p] > threshold || rgb[3 * p + 1] > threshold || rgb[3 * p + 2] > threshold;
}
