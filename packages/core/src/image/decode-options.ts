import { ParameterError } from "../errors.ts";

/** Options shared by every decoder in this folder. */
export interface DecodeOptions {
  /**
   * Largest `width × height` a decoder will allocate for. Checked against the file's
   * header before any raster exists, so a tiny file that claims a huge size cannot
   * exhaust memory. Default {@link DEFAULT_MAX_PIXELS}.
   */
  maxPixels?: number;
  /** How to name the input in error messages, e.g. its file path or S3 key. */
  name?: string;
}

/**
 * Default pixel limit: 50 megapixels. Real CDMs are 1210×566 or 573×1119 (≈0.7 MP), so
 * this leaves room for unusual templates while keeping one decoded RGB raster ≤ 150 MB.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Returns the effective pixel limit, rejecting nonsense early and by name. */
export function resolveMaxPixels(options: DecodeOptions | undefined): number {
  const maxPixels = options?.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0) || !Number.isFinite(maxPixels)) {
    throw new ParameterError("maxPixels", `maxPixels must be a positive number of pixels, got ${String(maxPixels)}`);
  }
  return maxPixels;
}
