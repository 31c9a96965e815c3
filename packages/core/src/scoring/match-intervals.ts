import { codeRank, codeSector, packCode, RATIOS } from "./color-code.ts";
import { pixelGap, Sector, type SectorId } from "./color-sector.ts";

/**
 * For one mask colour, the target colour codes it matches, as up to three code intervals
 * `[lo, lo + width]` (same sector, and each adjacent sector whose guard lets it through).
 * An empty interval has width −1.
 *
 * Why intervals are exact: for a fixed mask ratio a, every gap formula of the reference is
 * monotone in the target ratio b under IEEE rounding (a subtraction or sum with a constant
 * never reverses order), and every guard on b is a one-sided bound. So within one target
 * sector the matching ratios form one contiguous run of ranks, found here by binary search
 * with the reference's own `pixelGap` as the predicate.
 */
export interface MatchIntervals {
  lo: [number, number, number];
  width: [number, number, number];
}

const EMPTY_LO = 1 << 30;

/** Adjacent sectors the reference compares, and on which side of the ratio axis they match. */
const adjacent: Record<number, { sector: SectorId; side: "low" | "high" }[]> = {
  [Sector.BR]: [{ sector: Sector.BG, side: "low" }],
  [Sector.BG]: [
    { sector: Sector.BR, side: "low" },
    { sector: Sector.GB, side: "high" },
  ],
  [Sector.GB]: [
    { sector: Sector.BG, side: "high" },
    { sector: Sector.GR, side: "low" },
  ],
  [Sector.GR]: [
    { sector: Sector.GB, side: "low" },
    { sector: Sector.RG, side: "high" },
  ],
  [Sector.RG]: [
    { sector: Sector.GR, side: "high" },
    { sector: Sector.RB, side: "low" },
  ],
  [Sector.RB]: [{ sector: Sector.RG, side: "low" }],
};

/**
 * Computes the matching code intervals of the mask colour `code` at `tolerance`.
 *
 * @example
 * const { lo, width } = matchIntervals(codeOfRgb(0, 200, 255), 0.02);
 */
export function matchIntervals(code: number, tolerance: number): MatchIntervals {
  const s1 = codeSector(code);
  const a = RATIOS[codeRank(code)];
  const lo: [number, number, number] = [EMPTY_LO, EMPTY_LO, EMPTY_LO];
  const width: [number, number, number] = [-1, -1, -1];
  if (s1 === Sector.NONE) return { lo, width };
  const last = RATIOS.length - 1;

  const rankA = codeRank(code);
  const same = (r: number) => pixelGap(s1, a, s1, RATIOS[r]) <= tolerance;
  if (rankA > 0 && same(rankA)) {
    const from = firstTrue(1, rankA, same);
    const to = lastTrue(rankA, last, same);
    lo[0] = packCode(s1 as Exclude<SectorId, -1>, from);
    width[0] = to - from;
  }

  adjacent[s1].forEach(({ sector: s2, side }, i) => {
    const ok = (r: number) => pixelGap(s1, a, s2, RATIOS[r]) <= tolerance;
    if (side === "low") {
      if (!ok(0)) return;
      lo[i + 1] = packCode(s2 as Exclude<SectorId, -1>, 0);
      width[i + 1] = lastTrue(0, last, ok);
    } else {
      if (!ok(last)) return;
      const from = firstTrue(0, last, ok);
      lo[i + 1] = packCode(s2 as Exclude<SectorId, -1>, from);
      width[i + 1] = last - from;
    }
  });
  return { lo, width };
}

/** Smallest r in [from, to] with pred(r), given pred(to) and pred monotone false→true. */
function firstTrue(from: number, to: number, pred: (r: number) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Largest r in [from, to] with pred(r), given pred(from) and pred monotone true→false. */
function lastTrue(from: number, to: number, pred: (r: number) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (pred(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
