import { CdsError } from "../errors.ts";
import { assertSameSize } from "../scoring/same-size.ts";
import type { PreparedShapeQuery } from "./prepared-shape-query.ts";
import { type ShapeScore, shapeScoreOf } from "./shape-score.ts";
import { GAP_FLOOR, SLICE_GAP_MISMATCH, SLICE_GAP_OFFSET } from "./shape-params.ts";
import { POPCOUNT, type ShapeTarget } from "./shape-target.ts";
import { sliceGapOfSlices, sliceNumber } from "./slice-gap.ts";

/**
 * The 2-D shape score of {@link scoreShapePlain}, fast: one pass over the query's footprint
 * gives both sides' gradientAreaGap (they share the colour test; only the gradient pixel
 * differs), and the annulus lists give both highExpressionAreas.
 *
 * @example
 * const { shapeScore, mirrored } = scoreShape(prepared, target);
 */
export function scoreShape(prepared: PreparedShapeQuery, target: ShapeTarget): ShapeScore {
  assertSameSize(prepared, target);
  const { params, pixels, mirrorPixels, querySlices, signal, slices } = prepared;
  if (target.threshold !== params.targetThreshold) {
    throw new CdsError(`the target's shape data was made with threshold ${target.threshold}, but the search uses ${params.targetThreshold}`);
  }
  const { gradient, zgapBits, zgapRank, zgapRgb } = target;
  const T = params.queryThreshold;
  let direct = 0;
  let mirrored = 0;
  for (let j = 0; j < pixels.length; j++) {
    const p = pixels[j];
    let colorGap = -1;
    const qs = querySlices[j];
    const byte = zgapBits[p >> 3];
    const bit = p & 7;
    if (qs >= 0 && ((byte >> bit) & 1) !== 0) {
      const z = 3 * (zgapRank[p >> 3] + POPCOUNT[byte & ((1 << bit) - 1)]);
      const r = zgapRgb[z];
      const g = zgapRgb[z + 1];
      const b = zgapRgb[z + 2];
      if (r > T || g > T || b > T) {
        const s = sliceGapOfSlices(qs, sliceNumber(slices, r, g, b));
        if (s >= SLICE_GAP_MISMATCH) colorGap = s - SLICE_GAP_OFFSET;
      }
    }
    if (colorGap >= 0) {
      // colorGap ≥ 40 > GAP_FLOOR: counted on both sides.
      direct += colorGap;
      mirrored += colorGap;
    } else if (signal[j] !== 0) {
      const d = gradient[p];
      const m = gradient[mirrorPixels[j]];
      if (d > GAP_FLOOR) direct += d;
      if (m > GAP_FLOOR) mirrored += m;
    }
  }
  const directArea = countSet(target.signalBits, prepared.highExpression);
  const directScore: ShapeScore = { gradientAreaGap: direct, highExpressionArea: directArea, shapeScore: shapeScoreOf(direct, directArea), mirrored: false };
  if (!params.mirror) return directScore;
  const mirroredArea = countSet(target.signalBits, prepared.highExpressionMirrored);
  const mirroredScore = shapeScoreOf(mirrored, mirroredArea);
  return mirroredScore < directScore.shapeScore
    ? { gradientAreaGap: mirrored, highExpressionArea: mirroredArea, shapeScore: mirroredScore, mirrored: true }
    : directScore;
}

function countSet(bits: Uint8Array, at: Int32Array): number {
  let n = 0;
  for (let i = 0; i < at.length; i++) n += (bits[at[i] >> 3] >> (at[i] & 7)) & 1;
  return n;
}
