/**
 * Hue sectors of a colour-depth pixel (cdm-reference §1.5): which channel is strictly largest
 * and which is second. Depth is encoded by the sector plus ratio = second / largest.
 */
export const Sector = Object.freeze({ BR: 0, BG: 1, GB: 2, GR: 3, RG: 4, RB: 5, NONE: -1 });
export type SectorId = (typeof Sector)[keyof typeof Sector];

/** Sector boundary constants, as the reference defines them (doubles). */
export const BR_BG = 0.354862745;
export const BG_GB = 0.996078431;
export const GB_GR = 0.505882353;
export const GR_RG = 0.996078431;
export const RG_RB = 0.505882353;

/** Largest gap the reference uses for "cannot match". */
export const NO_MATCH_GAP = 10000;

/**
 * Classifies a pixel, returning its sector and the second/largest channel ratio.
 * The ratio stays 0 when either channel involved is 0 (pure blue is BG with ratio 0).
 *
 * @example
 * sectorOf(0, 254, 255) // { sector: Sector.BG, ratio: 254 / 255 }
 */
export function sectorOf(r: number, g: number, b: number): { sector: SectorId; ratio: number } {
  if (b > r && b > g) {
    if (r > g) return { sector: Sector.BR, ratio: ratioOf(r, b) };
    return { sector: Sector.BG, ratio: ratioOf(g, b) };
  }
  if (g > b && g > r) {
    if (b > r) return { sector: Sector.GB, ratio: ratioOf(b, g) };
    return { sector: Sector.GR, ratio: ratioOf(r, g) };
  }
  if (r > b && r > g) {
    if (g > b) return { sector: Sector.RG, ratio: ratioOf(g, r) };
    return { sector: Sector.RB, ratio: ratioOf(b, r) };
  }
  return { sector: Sector.NONE, ratio: 0 };
}

function ratioOf(second: number, largest: number): number {
  return second !== 0 && largest !== 0 ? second / largest : 0;
}

/**
 * The colour gap between a mask pixel (sector s1, ratio a) and a target pixel (s2, b),
 * exactly as the reference computes it, including its negative sums for adjacent sectors.
 * A pixel pair matches when the gap is ≤ pixColorFluctuation / 100.
 */
export function pixelGap(s1: SectorId, a: number, s2: SectorId, b: number): number {
  if (s1 === Sector.NONE) return NO_MATCH_GAP;
  if (s1 === s2) {
    if (a > 0 && b > 0) return a === b ? 0 : Math.abs(b - a);
    return NO_MATCH_GAP;
  }
  switch (s1) {
    case Sector.BR:
      if (s2 === Sector.BG && a < 0.44 && b < 0.54) return a - BR_BG + (b - BR_BG);
      break;
    case Sector.BG:
      if (s2 === Sector.BR && a < 0.54 && b < 0.44) return a - BR_BG + (b - BR_BG);
      if (s2 === Sector.GB && a > 0.8 && b > 0.8) return BG_GB - a + (BG_GB - b);
      break;
    case Sector.GB:
      if (s2 === Sector.BG && a > 0.8 && b > 0.8) return BG_GB - a + (BG_GB - b);
      if (s2 === Sector.GR && a < 0.7 && b < 0.7) return a - GB_GR + (b - GB_GR);
      break;
    case Sector.GR:
      if (s2 === Sector.GB && a < 0.7 && b < 0.7) return a - GB_GR + (b - GB_GR);
      if (s2 === Sector.RG && a > 0.8 && b > 0.8) return GR_RG - a + (GR_RG - b);
      break;
    case Sector.RG:
      if (s2 === Sector.GR && a > 0.8 && b > 0.8) return GR_RG - a + (GR_RG - b);
      if (s2 === Sector.RB && a < 0.7 && b < 0.7) return a - RG_RB + (b - RG_RB);
      break;
    case Sector.RB:
      if (s2 === Sector.RG && a < 0.7 && b < 0.7) return a - RG_RB + (b - RG_RB);
      break;
  }
  return NO_MATCH_GAP;
}
