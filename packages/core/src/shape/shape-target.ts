import type { Gray16Image } from "../image/png-decoder.ts";
import type { RgbImage } from "../image/rgb-image.ts";
import { assertSameSize } from "../scoring/same-size.ts";
import { isInLabelRegion } from "../scoring/label-regions.ts";
import { gradientImage } from "./gradient-image.ts";
import { type ShapeParams, ZGAP_RADIUS } from "./shape-params.ts";
import { zgapImage } from "./zgap-image.ts";

/**
 * A target as the fast shape scorer reads it. Bit sets hold one bit a pixel, least significant
 * bit first (pixel p is bit p & 7 of byte p >> 3). The zgap keeps only its non-black pixels'
 * colours, in pixel order, found through per-byte ranks: a stored target then inflates to about
 * 2.5 bytes a pixel instead of 5.
 */
export interface ShapeTarget {
  width: number;
  height: number;
  /** The gradient image (distance to the target's dilated signal), row-major. */
  gradient: Uint16Array;
  /** Pixels where the zgap image is not black. */
  zgapBits: Uint8Array;
  /** Per byte of `zgapBits`: how many of its pixels come before that byte. */
  zgapRank: Uint32Array;
  /** RGB of the non-black zgap pixels, in pixel order (unmasked: the scorer masks at the query threshold). */
  zgapRgb: Uint8Array;
  /** Pixels where the target, labels cleared, has a channel above `threshold`. */
  signalBits: Uint8Array;
  /** The target threshold `signalBits` was made with. */
  threshold: number;
}

/** Set bits in each byte value. */
export const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let n = 0;
  for (let b = v; b !== 0; b >>= 1) n += b & 1;
  return n;
});

/** Fills `rank` (length ≥ bits.length) with the set bits before each byte. */
export function rankBits(bits: Uint8Array, rank: Uint32Array): Uint32Array {
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    rank[i] = n;
    n += POPCOUNT[bits[i]];
  }
  return rank;
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
  const N = target.width * target.height;
  const zgapBits = new Uint8Array((N + 7) >> 3);
  let lit = 0;
  for (let p = 0; p < N; p++) {
    if ((zgap.rgb[3 * p] | zgap.rgb[3 * p + 1] | zgap.rgb[3 * p + 2]) !== 0) {
      zgapBits[p >> 3] |= 1 << (p & 7);
      lit++;
    }
  }
  const zgapRgb = new Uint8Array(3 * lit);
  for (let p = 0, k = 0; p < N; p++) if ((zgapBits[p >> 3] >> (p & 7)) & 1) zgapRgb.set(zgap.rgb.subarray(3 * p, 3 * p + 3), 3 * k++);
  const signal = targetSignal(target, params);
  const signalBits = new Uint8Array((N + 7) >> 3);
  for (let p = 0; p < N; p++) if (signal[p] !== 0) signalBits[p >> 3] |= 1 << (p & 7);
  return {
    width: target.width,
    height: target.height,
    gradient: gradient.data,
    zgapBits,
    zgapRank: rankBits(zgapBits, new Uint32Array(zgapBits.length)),
    zgapRgb,
    signalBits,
    threshold: params.targetThreshold,
  };
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
