import type { RgbImage } from "../image/rgb-image.ts";
import { greyOf } from "./grey.ts";
import { clearLabels, maskBelowThreshold } from "./label-clear.ts";
import { maxFilterRgbPlain } from "./max-filter-plain.ts";
import {
  HIGH_EXPRESSION_INNER_RADIUS,
  HIGH_EXPRESSION_OUTER_RADIUS,
  QUERY_SIGNAL_GREY,
  type ShapeParams,
} from "./shape-params.ts";

/** The images the shape score derives from a query once (cdm-reference §2.1–2.2). */
export interface QueryImages {
  /** The query with labels cleared and pixels whose channels are all ≤ queryThreshold black: its colours are compared. */
  colors: RgbImage;
  /** 1 where grey(query) > 2 (labels cleared): the query's signal. */
  signal: Uint8Array;
  /** 1 in the "high expression" annulus: lit in the radius-60 max filter, black in the radius-20 one. */
  highExpression: Uint8Array;
}

/**
 * The query's derived images, the plain way.
 *
 * @example
 * const { signal, highExpression } = queryImagesPlain(query, defaultShapeParams);
 * // 12191_JRC2018U_FL: 17340 signal pixels, 70640 in the annulus
 */
export function queryImagesPlain(query: RgbImage, params: Pick<ShapeParams, "queryThreshold" | "excludeTopLeft" | "excludeTopRight">): QueryImages {
  const { width: W, height: H } = query;
  const cleared = clearLabels(query, params.excludeTopLeft, params.excludeTopRight);
  const signal = new Uint8Array(W * H);
  for (let p = 0; p < W * H; p++) {
    signal[p] = greyOf(cleared.rgb[3 * p], cleared.rgb[3 * p + 1], cleared.rgb[3 * p + 2]) > QUERY_SIGNAL_GREY ? 1 : 0;
  }
  const outer = maxFilterRgbPlain(cleared, HIGH_EXPRESSION_OUTER_RADIUS).rgb;
  const inner = maxFilterRgbPlain(cleared, HIGH_EXPRESSION_INNER_RADIUS).rgb;
  const highExpression = new Uint8Array(W * H);
  for (let p = 0; p < W * H; p++) {
    const innerLit = inner[3 * p] !== 0 || inner[3 * p + 1] !== 0 || inner[3 * p + 2] !== 0;
    if (!innerLit && greyOf(outer[3 * p], outer[3 * p + 1], outer[3 * p + 2]) > 0) highExpression[p] = 1;
  }
  return { colors: maskBelowThreshold(cleared, params.queryThreshold), signal, highExpression };
}
