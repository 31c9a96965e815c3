import { createHash } from "node:crypto";
import { formatRegion } from "../search-params.ts";
import type { UploadSettings } from "../pipeline/upload-settings.ts";

/** Hex digits kept of a mask id (80 bits: no collision among any plausible number of masks). */
const MASK_ID_LENGTH = 20;

/**
 * The sidecar keys a mask is searched with, in one fixed order and form (regions as "WxH"):
 * what `cds submit` uploads beside the mask and what the mask's identity hashes, so the same
 * settings always give the same bytes.
 *
 * @example
 * canonicalSettings({ params: defaultSearchParams, top: 400 })
 * // { maskThreshold: 100, …, excludeTopRight: "270x90", maxResultsPerMask: 400 }
 */
export function canonicalSettings(settings: Pick<UploadSettings, "params" | "top" | "notifyEmail" | "libraries">): Record<string, string | number | boolean | string[]> {
  const { params } = settings;
  return {
    maskThreshold: params.maskThreshold,
    dataThreshold: params.dataThreshold,
    pixColorFluctuation: params.pixColorFluctuation,
    xyShift: params.xyShift,
    mirrorMask: params.mirrorMask,
    minMatchingPixRatio: params.minMatchingPixRatio,
    excludeTopLeft: formatRegion(params.excludeTopLeft),
    excludeTopRight: formatRegion(params.excludeTopRight),
    maxResultsPerMask: settings.top,
    ...(settings.notifyEmail ? { notifyEmail: settings.notifyEmail } : {}),
    ...(settings.libraries && settings.libraries.length > 0 ? { libraries: [...settings.libraries] } : {}),
  };
}

/**
 * A mask's identity within a submission: a hash of its image bytes and the settings it is
 * searched with. The same file with the same parameters is the same mask, whatever its name or
 * path; the same file with other parameters is another search.
 *
 * @example
 * maskIdOf(bytes, settings) // "9c1e04a7b3d2f0e18a55"
 */
export function maskIdOf(bytes: Uint8Array, settings: Pick<UploadSettings, "params" | "top" | "notifyEmail">): string {
  const content = createHash("sha256").update(bytes).digest("hex");
  return createHash("sha256").update(`${content}\n${JSON.stringify(canonicalSettings(settings))}`).digest("hex").slice(0, MASK_ID_LENGTH);
}

/**
 * A submission's id: a hash of the library and its masks' ids (in any order), so running the
 * same `cds submit` again names the same submission and resumes it.
 *
 * @example
 * submissionIdOf("lm", ["9c1e…", "04ab…"]) // "sub-5b0c1f2e9a7d3c48e611"
 */
export function submissionIdOf(library: string, maskIds: readonly string[]): string {
  const hash = createHash("sha256").update(`${library}\n${[...maskIds].sort().join("\n")}`).digest("hex");
  return `sub-${hash.slice(0, MASK_ID_LENGTH)}`;
}
