import type { RegionSize } from "../search-params.ts";

/**
 * What decides a 2-D shape score (cdm-reference §2). The precompute runs it with threshold 20
 * on both sides whatever the pixel-match thresholds were, and the gradient and zgap recipes
 * bake the same 20 in, so these are fixed apart from the pixel match's parameters.
 */
export interface ShapeParams {
  /** Query pixels with every channel ≤ this are black for the colour (slice) comparison. */
  queryThreshold: number;
  /** Target pixels count as signal for highExpressionArea when a channel is > this. */
  targetThreshold: number;
  /** Also score the mirrored query (query, its masks and the zgap flipped); lower wins. */
  mirror: boolean;
  /** Label regions cleared (set black) on the query and the target before anything else. */
  excludeTopLeft: RegionSize;
  excludeTopRight: RegionSize;
}

/** The precompute's parameters (and those of the upstream unit tests). */
export const defaultShapeParams: Readonly<ShapeParams> = Object.freeze({
  queryThreshold: 20,
  targetThreshold: 20,
  mirror: true,
  excludeTopLeft: Object.freeze({ width: 330, height: 100 }),
  excludeTopRight: Object.freeze({ width: 270, height: 90 }),
});

/** Radius of the zgap dilation in production files (`_RGB20px`). */
export const ZGAP_RADIUS = 20;
/** Radius the upstream unit tests fall back to when a target comes without a zgap file. */
export const ZGAP_FALLBACK_RADIUS = 10;
/** Radius of the max filter in the gradient recipe (`Gradient_conv_multithread`, "Max radius"). */
export const GRADIENT_RADIUS = 20;
/** Outer and inner radius of the query's "high expression" annulus. */
export const HIGH_EXPRESSION_OUTER_RADIUS = 60;
export const HIGH_EXPRESSION_INNER_RADIUS = 20;
/** A query pixel belongs to the query's signal mask when its grey value is above this. */
export const QUERY_SIGNAL_GREY = 2;
/** Slice gaps of at least this many slices count as colour mismatches, less 40 (§2.5). */
export const SLICE_GAP_MISMATCH = 80;
export const SLICE_GAP_OFFSET = 40;
/** Per-pixel gaps of this or less are dropped. */
export const GAP_FLOOR = 3;
/** highExpressionArea is divided by this (floor) in the shape score. */
export const HIGH_EXPRESSION_DIVISOR = 3;
/** Gradient value of a pixel that no signal reaches (an empty target). */
export const GRADIENT_BACKGROUND = 65535;
