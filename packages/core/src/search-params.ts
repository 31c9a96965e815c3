import { ParameterError } from "./errors.ts";

/** A rectangle anchored at a top corner of the image, in pixels. */
export interface RegionSize {
  width: number;
  height: number;
}

/**
 * Everything that decides a colour-depth search's scores, with the names NeuronBridge's
 * search record uses. One schema for every entry point: the CLI, intake and the worker.
 */
export interface SearchParams {
  /** Mask pixels count when any channel is strictly greater than this (0–255). */
  maskThreshold: number;
  /** Target pixels count when any channel is strictly greater than this (0–255). */
  dataThreshold: number;
  /** Allowed colour (depth) difference in percent of the hue ratio; 1.18 ≈ one z-slice. */
  pixColorFluctuation: number;
  /** Largest XY offset tried, in pixels: 0, 2 or 4. */
  xyShift: 0 | 2 | 4;
  /** Also try the mask mirrored left–right (ties keep the unmirrored score). */
  mirrorMask: boolean;
  /** A target is a match when matchingRatio > minMatchingPixRatio / 100 (strict). */
  minMatchingPixRatio: number;
  /** Mask pixels in this top-left rectangle (the name label) are ignored. */
  excludeTopLeft: RegionSize;
  /** Mask pixels in this top-right rectangle (the colour-scale legend) are ignored. */
  excludeTopRight: RegionSize;
}

/** The subset of {@link SearchParams} that decides a score (the match filter aside). */
export type ScoreParams = Omit<SearchParams, "minMatchingPixRatio">;

/**
 * NeuronBridge custom-search defaults (its search-record template): 100 / 100 / 2 / xyShift 2 /
 * mirror / 2 %. The label regions are the Java precompute's 330×100 and 270×90: the live
 * NeuronBridge web search used a 250-px top-right band, which leaves the legend's strip
 * x = W−270 … W−251 inside the mask, so an unmasked CDM query "matches" ~224 legend pixels
 * in every target that carries the legend.
 */
export const defaultSearchParams: Readonly<SearchParams> = Object.freeze({
  maskThreshold: 100,
  dataThreshold: 100,
  pixColorFluctuation: 2,
  xyShift: 2,
  mirrorMask: true,
  minMatchingPixRatio: 2,
  excludeTopLeft: Object.freeze({ width: 330, height: 100 }),
  excludeTopRight: Object.freeze({ width: 270, height: 90 }),
});

/** Parameters of the precomputed NeuronBridge matches (and of the upstream unit tests). */
export const precomputeSearchParams: Readonly<SearchParams> = Object.freeze({
  ...defaultSearchParams,
  maskThreshold: 20,
  dataThreshold: 20,
  pixColorFluctuation: 1,
  minMatchingPixRatio: 1,
});

const searchParamKeys = Object.keys(defaultSearchParams) as (keyof SearchParams)[];

/**
 * Validates user-supplied parameters and fills defaults. Accepts numbers or numeric strings,
 * booleans or "true"/"false", and regions as `{ width, height }` or `"WxH"`.
 * Throws {@link ParameterError} naming the parameter and the accepted range.
 *
 * @example
 * const params = parseSearchParams({ xyShift: "4", excludeTopRight: "250x90" });
 */
export function parseSearchParams(input: unknown, base: Readonly<SearchParams> = defaultSearchParams): SearchParams {
  if (input === undefined || input === null) input = {};
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new ParameterError("parameters", `search parameters must be an object, got ${describe(input)}`);
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!searchParamKeys.includes(key as keyof SearchParams) && raw[key] !== undefined) {
      throw new ParameterError(key, `unknown search parameter "${key}"; known parameters: ${searchParamKeys.join(", ")}`);
    }
  }
  const pick = <K extends keyof SearchParams>(key: K) => (raw[key] === undefined ? base[key] : raw[key]);
  const xyShift = integerIn("xyShift", pick("xyShift"), 0, 4);
  if (xyShift !== 0 && xyShift !== 2 && xyShift !== 4) {
    throw new ParameterError("xyShift", `xyShift must be 0, 2 or 4 (pixels), got ${xyShift}`);
  }
  return {
    maskThreshold: integerIn("maskThreshold", pick("maskThreshold"), 0, 255),
    dataThreshold: integerIn("dataThreshold", pick("dataThreshold"), 0, 255),
    pixColorFluctuation: numberIn("pixColorFluctuation", pick("pixColorFluctuation"), 0, 100),
    xyShift,
    mirrorMask: boolean("mirrorMask", pick("mirrorMask")),
    minMatchingPixRatio: numberIn("minMatchingPixRatio", pick("minMatchingPixRatio"), 0, 100),
    excludeTopLeft: region("excludeTopLeft", pick("excludeTopLeft")),
    excludeTopRight: region("excludeTopRight", pick("excludeTopRight")),
  };
}

/**
 * Parses a region written as `"WxH"` (also `W×H` or `WXH`); `"0x0"` disables the exclusion.
 *
 * @example
 * parseRegion("excludeTopRight", "270x90") // { width: 270, height: 90 }
 */
export function parseRegion(parameter: string, text: string): RegionSize {
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(text);
  if (!m) {
    throw new ParameterError(parameter, `${parameter} must be written as WIDTHxHEIGHT in pixels (e.g. 270x90), got "${text}"`);
  }
  return region(parameter, { width: Number(m[1]), height: Number(m[2]) });
}

/** Formats a region the way {@link parseRegion} reads it. */
export function formatRegion(r: RegionSize): string {
  return `${r.width}x${r.height}`;
}

function region(parameter: string, value: unknown): RegionSize {
  if (typeof value === "string") return parseRegion(parameter, value);
  if (typeof value !== "object" || value === null) {
    throw new ParameterError(parameter, `${parameter} must be "WIDTHxHEIGHT" or { width, height }, got ${describe(value)}`);
  }
  const v = value as Record<string, unknown>;
  return {
    width: integerIn(`${parameter}.width`, v.width, 0, 100_000),
    height: integerIn(`${parameter}.height`, v.height, 0, 100_000),
  };
}

function toNumber(parameter: string, value: unknown): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    throw new ParameterError(parameter, `${parameter} must be a number, got ${describe(value)}`);
  }
  return n;
}

function numberIn(parameter: string, value: unknown, min: number, max: number): number {
  const n = toNumber(parameter, value);
  if (n < min || n > max) throw new ParameterError(parameter, `${parameter} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function integerIn(parameter: string, value: unknown, min: number, max: number): number {
  const n = numberIn(parameter, value, min, max);
  if (!Number.isInteger(n)) throw new ParameterError(parameter, `${parameter} must be a whole number, got ${n}`);
  return n;
}

function boolean(parameter: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1" || value === 1) return true;
  if (value === "false" || value === "0" || value === 0) return false;
  throw new ParameterError(parameter, `${parameter} must be true or false, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === "string") return `"${value}"`;
  if (Array.isArray(value)) return "a list";
  return value === null ? "null" : typeof value === "object" ? "an object" : String(value);
}
