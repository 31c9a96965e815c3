import type { Gray16Image } from "../image/png-decoder.ts";
import type { RgbImage } from "../image/rgb-image.ts";
import { assertSameSize } from "../scoring/same-size.ts";
import type { Lut } from "../image/rainbow-lut.ts";
import { clearLabels, maskBelowThreshold } from "./label-clear.ts";
import { queryImagesPlain, type QueryImages } from "./query-images.ts";
import { type ShapeScore, shapeScoreOf } from "./shape-score.ts";
import { GAP_FLOOR, SLICE_GAP_MISMATCH, SLICE_GAP_OFFSET, type ShapeParams } from "./shape-params.ts";
import { sliceGapPlain } from "./slice-gap.ts";

/**
 * The 2-D shape score written to read like cdm-reference §2.5. Per pixel: where the query
 * colour and the zgap are both lit, a slice gap of 80 or more costs gap − 40; otherwise the
 * query's signal costs the target's gradient (distance) there; gaps of 3 or less cost nothing.
 * The mirrored variant flips the query, its masks and the zgap (not the gradient or the target);
 * it wins only when strictly lower. The yardstick for the fast scorer.
 *
 * `zgap` is the target's zgap image as stored (it is masked here at the query threshold).
 *
 * @example
 * const s = scoreShapePlain(query, target, gradient, zgapImagePlain(target, 10), defaultShapeParams, lut);
 */
export function scoreShapePlain(
  query: RgbImage,
  target: RgbImage,
  gradient: Gray16Image,
  zgap: RgbImage,
  params: ShapeParams,
  lut: Lut,
  images: QueryImages = queryImagesPlain(query, params),
): ShapeScore {
  assertSameSize(query, target);
  assertSameSize(query, gradient, "the gradient image");
  assertSameSize(query, zgap, "the zgap image");
  const clearedTarget = clearLabels(target, params.excludeTopLeft, params.excludeTopRight);
  const maskedZgap = maskBelowThreshold(zgap, params.queryThreshold);
  const direct = scoreSide(images, clearedTarget, gradient, maskedZgap, params, lut, false);
  if (!params.mirror) return direct;
  const mirrored = scoreSide(images, clearedTarget, gradient, maskedZgap, params, lut, true);
  return mirrored.shapeScore < direct.shapeScore ? mirrored : direct;
}

function scoreSide(
  images: QueryImages,
  target: RgbImage,
  gradient: Gray16Image,
  zgap: RgbImage,
  params: ShapeParams,
  lut: Lut,
  mirrored: boolean,
): ShapeScore {
  const { width: W, height: H } = target;
  // The flipped images read at (x, y) what the originals hold at (W − 1 − x, y).
  const flip = (p: number) => (mirrored ? p + W - 1 - 2 * (p % W) : p);
  let gradientAreaGap = 0;
  let highExpressionArea = 0;
  for (let p = 0; p < W * H; p++) {
    const q = images.colors.rgb.subarray(3 * flip(p), 3 * flip(p) + 3);
    const z = zgap.rgb.subarray(3 * flip(p), 3 * flip(p) + 3);
    const qm = images.signal[flip(p)];
    let gap = qm * gradient.data[p];
    if (lit(q) && lit(z)) {
      const s = sliceGapPlain(lut, [q[0], q[1], q[2]], [z[0], z[1], z[2]]);
      if (s >= SLICE_GAP_MISMATCH) gap = s - SLICE_GAP_OFFSET;
    }
    gradientAreaGap += gap > GAP_FLOOR ? gap : 0;
    const t = target.rgb.subarray(3 * p, 3 * p + 3);
    const threshold = params.targetThreshold;
    if (images.highExpression[flip(p)] === 1 && (t[0] > threshold || t[1] > threshold || t[2] > threshold)) highExpressionArea++;
  }
  return { gradientAreaGap, highExpressionArea, shapeScore: shapeScoreOf(gradientAreaGap, highExpressionArea), mirrored };
}

function lit(c: Uint8Array): boolean {
  return c[0] !== 0 || c[1] !== 0 || c[2] !== 0;
}
