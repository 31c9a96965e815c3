import type { RgbImage } from "../image/rgb-image.ts";
import type { Lut } from "../image/rainbow-lut.ts";
import { dilateBinary } from "./binary-dilation.ts";
import { greyOfSum } from "./grey.ts";
import { clearLabels } from "./label-clear.ts";
import { maxFilterRgb } from "./max-filter.ts";
import {
  HIGH_EXPRESSION_INNER_RADIUS,
  HIGH_EXPRESSION_OUTER_RADIUS,
  QUERY_SIGNAL_GREY,
  type ShapeParams,
} from "./shape-params.ts";
import { createSliceTable, sliceNumber, type SliceTable } from "./slice-gap.ts";

/**
 * Everything about a query the fast shape scorer needs, computed once per search. Only the
 * query's footprint can cost anything (elsewhere both the colour test and the signal mask are
 * 0), so scoring walks these lists instead of the image.
 *
 * Mirroring flips the query, its masks and the zgap but not the gradient or the target: at
 * footprint pixel p the mirrored side compares the same query and zgap pixels, and reads the
 * gradient at p's mirror, so one pass over the footprint yields both sides.
 */
export interface PreparedShapeQuery {
  width: number;
  height: number;
  params: ShapeParams;
  /** Footprint pixels: query colour lit (above queryThreshold) or query signal (grey > 2). */
  pixels: Int32Array;
  /** The same pixels mirrored left–right. */
  mirrorPixels: Int32Array;
  /** Per footprint pixel: the query colour's LUT slice, or −1 where the colour is black. */
  querySlices: Int16Array;
  /** Per footprint pixel: 1 where the query signal mask is set. */
  signal: Uint8Array;
  /** Pixels of the high-expression annulus, and the same mirrored. */
  highExpression: Int32Array;
  highExpressionMirrored: Int32Array;
  /** Signal-mask size and annulus size, as upstream asserts them. */
  signalSize: number;
  slices: SliceTable;
}

/**
 * Prepares a query for {@link scoreShape}.
 *
 * @example
 * const prepared = prepareShapeQuery(query, defaultShapeParams, lut);
 * const score = scoreShape(prepared, shapeTargetOf(target, gradient, zgap, prepared.params));
 */
export function prepareShapeQuery(query: RgbImage, params: ShapeParams, lut: Lut | SliceTable): PreparedShapeQuery {
  const { width: W, height: H } = query;
  const N = W * H;
  const slices = lut instanceof Uint8Array ? createSliceTable(lut) : lut;
  const cleared = clearLabels(query, params.excludeTopLeft, params.excludeTopRight).rgb;
  const T = params.queryThreshold;
  const pixels: number[] = [];
  const querySlices: number[] = [];
  const signal: number[] = [];
  const lit = new Uint8Array(N);
  for (let p = 0; p < N; p++) {
    const r = cleared[3 * p];
    const g = cleared[3 * p + 1];
    const b = cleared[3 * p + 2];
    if ((r | g | b) !== 0) lit[p] = 1;
    const colorLit = r > T || g > T || b > T;
    const isSignal = greyOfSum(r + g + b) > QUERY_SIGNAL_GREY;
    if (!colorLit && !isSignal) continue;
    pixels.push(p);
    querySlices.push(colorLit ? sliceNumber(slices, r, g, b) : -1);
    signal.push(isSignal ? 1 : 0);
  }
  const outer = maxFilterRgb({ width: W, height: H, rgb: cleared }, HIGH_EXPRESSION_OUTER_RADIUS).rgb;
  const inner = dilateBinary(lit, W, H, HIGH_EXPRESSION_INNER_RADIUS);
  const highExpression: number[] = [];
  for (let p = 0; p < N; p++) {
    if (inner[p] === 0 && greyOfSum(outer[3 * p] + outer[3 * p + 1] + outer[3 * p + 2]) > 0) highExpression.push(p);
  }
  const mirror = (p: number) => p + W - 1 - 2 * (p % W);
  const signalArray = Uint8Array.from(signal);
  return {
    width: W,
    height: H,
    params,
    pixels: Int32Array.from(pixels),
    mirrorPixels: Int32Array.from(pixels, mirror),
    querySlices: Int16Array.from(querySlices),
    signal: signalArray,
    highExpression: Int32Array.from(highExpression),
    highExpressionMirrored: Int32Array.from(highExpression, mirror),
    signalSize: signalArray.reduce((n, v) => n + v, 0),
    slices,
  };
}
