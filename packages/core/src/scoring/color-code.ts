import { Sector, type SectorId } from "./color-sector.ts";

/**
 * Integer colour codes. A pixel's (sector, ratio) becomes one small integer so that, for a
 * fixed mask colour, the target colours that match form a few contiguous code intervals.
 *
 * ratio = second / largest with integer channels 0..255, so it takes one of ~19,800 distinct
 * double values (0 and the reduced fractions s/l, l ≤ 255). Distinct fractions differ by far
 * more than a double's rounding, so sorting them gives each ratio an exact integer rank, and
 * rank order is ratio order — comparisons on ranks decide exactly what comparisons on the
 * doubles decide.
 */
export const RATIO_BITS = 15;

/** Code 0 never matches anything: unlit pixels and pixels with no hue sector (grey, white). */
export const NO_COLOR = 0;

const { ratios, rankOfFraction } = buildRatioTable();

/** Every distinct ratio value, ascending; index = rank. `RATIOS[0] === 0`. */
export const RATIOS: Float64Array = ratios;

/** Rank of second/largest, indexed by `largest << 8 | second` (rank 0 when either is 0). */
export const RANK_OF_FRACTION: Uint16Array = rankOfFraction;

/** Packs a sector and a ratio rank into a code (never {@link NO_COLOR}). */
export function packCode(sector: Exclude<SectorId, -1>, rank: number): number {
  return ((sector + 1) << RATIO_BITS) | rank;
}

/** The sector of a code made by {@link packCode}. */
export function codeSector(code: number): SectorId {
  return ((code >> RATIO_BITS) - 1) as SectorId;
}

/** The ratio rank of a code made by {@link packCode}. */
export function codeRank(code: number): number {
  return code & ((1 << RATIO_BITS) - 1);
}

/**
 * The colour code of an RGB pixel, ignoring any threshold. Mirrors `sectorOf` branch for branch.
 *
 * @example
 * codeOfRgb(128, 128, 128) // NO_COLOR: grey has no strictly largest channel
 */
export function codeOfRgb(r: number, g: number, b: number): number {
  if (b > r && b > g) {
    return r > g ? (1 << RATIO_BITS) | rankOfFraction[(b << 8) | r] : (2 << RATIO_BITS) | rankOfFraction[(b << 8) | g];
  }
  if (g > b && g > r) {
    return b > r ? (3 << RATIO_BITS) | rankOfFraction[(g << 8) | b] : (4 << RATIO_BITS) | rankOfFraction[(g << 8) | r];
  }
  if (r > b && r > g) {
    return g > b ? (5 << RATIO_BITS) | rankOfFraction[(r << 8) | g] : (6 << RATIO_BITS) | rankOfFraction[(r << 8) | b];
  }
  return NO_COLOR;
}

/** Largest code value + 1, for sizing tables indexed by code. */
export const CODE_LIMIT = (Sector.RB + 2) << RATIO_BITS;

function buildRatioTable(): { ratios: Float64Array; rankOfFraction: Uint16Array } {
  const values = new Set<number>([0]);
  for (let l = 1; l < 256; l++) for (let s = 1; s < l; s++) values.add(s / l);
  const ratios = Float64Array.from([...values].sort((x, y) => x - y));
  const rankOf = new Map<number, number>();
  ratios.forEach((v, i) => rankOf.set(v, i));
  const rankOfFraction = new Uint16Array(1 << 16);
  for (let l = 1; l < 256; l++) {
    for (let s = 1; s < l; s++) rankOfFraction[(l << 8) | s] = rankOf.get(s / l)!;
  }
  return { ratios, rankOfFraction };
}
