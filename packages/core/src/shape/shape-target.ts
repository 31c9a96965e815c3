import type { Gray16Image } from "../image/png-decoder.ts";
import type { RgbImage } from "../image/rgb-image.ts";
import { assertSameSize } from "../scoring/same-size.ts";
import { isInLabelRegion } from "../scoring/label-regions.ts";
import { gradientImage } from "./gradient-image.ts";
import { type ShapeParams, ZGAP_RADIUS } from "./shape-params.ts";
import { zgapImage } from "./zgap-image.ts";

/** A target as the fast shape scorer reads it. */
export interface ShapeTarget {
  width: number;
  height: number;
  /** The gradient image (distance to the target's dilated signal), row-major. */
  gradient: Uint16Array;
  /** The zgap image, interleaved RGB, unmasked (the scorer masks it at the query threshold). */
  zgap: Uint8Array;
  /** 1 where the target with labels cleared has a channel above `threshold`. */
  signal: Uint8Array;
  /** The target threshold `signal` was made with. */
  threshold: number;
}

/**
 * A {@link ShapeTarget} from the target image and its two variant images.
 *
 * @example
 * const t = shapeTargetOf(target, gradientImage(target), zgapImage(target), defaultShapeParams);
 */
export function shapeTargetOf(target: RgbImage, gradient: Gray16Image, zgap: RgbImage, params: ShapeParams): ShapeTarget {
  assertSameSize(target, gradient, "the gradient image");
  assertSameSize(target, zgap, "the zgap image");
  return { width: target.width, height: target.height, gradient: gradient.data, zgap: zgap.rgb, signal: targetSignal(target, params), threshold: params.targetThreshold };
}

/** 1 where the target, labels cleared, has a channel above the target threshold. */
export function targetSignal(target: RgbImage, params: Pick<ShapeParams, "targetThreshold" | "excludeTopLeft" | "excludeTopRight">): Uint8Array {
  const { width: W, height: H, rgb } = target;
  const T = params.targetThreshold;
  const out = new Uint8Array(W * H);
  for (let y = 0, p = 0; y < H; y++) {
    for (let x = 0; x < W; x++, p++) {
      if ((rgb[3 * p] > T || rgb[3 * p + 1] > T || rgb[3 * p + 2] > T) && !isInLabelRegion(x, y, W, params.excludeTopLeft, params.excludeTopRight)) out[p] = 1;
    }
  }
  return out;
}

/**
 * A {@link ShapeTarget} from the target image alone or with its variant files: a missing
 * gradient or zgap is made with the precompute's recipe ({@link gradientImage}; {@link zgapImage}
 * with `zgapRadius`, 20 in production files, 10 in the upstream unit tests' fallback).
 *
 * @example
 * const t = shapeTargetFromImages(target, defaultShapeParams, { gradient: await readGradient(path) });
 */
export function shapeTargetFromImages(
  target: RgbImage,
  params: ShapeParams,
  variants: { gradient?: Gray16Image; zgap?: RgbImage; zgapRadius?: number } = {},
): ShapeTarget {
  const gradient = variants.gradient ?? gradientImage(target);
  const zgap = variants.zgap ?? zgapImage(target, variants.zgapRadius ?? ZGAP_RADIUS, params);
  return shapeTargetOf(target, gradient, zgap, params);
}
