import { ParameterError } from "../errors.ts";
import { parseSearchParams, type SearchParams } from "../search-params.ts";
import { MAX_CUSTOM_RESULTS } from "../results/combine-batches.ts";
import { UploadRejectedError } from "./pipeline-errors.ts";

/** Where an upload sits: `<library>/<mask file>` in the upload bucket. */
export interface UploadLocation {
  library: string;
  fileName: string;
  /** The optional sidecar of parameters: `<mask key>.json`. */
  sidecarKey: string;
}

/** What a search runs with, resolved from an upload's sidecar (or the defaults). */
export interface UploadSettings {
  params: SearchParams;
  /** Matches kept in the results (NeuronBridge's `maxResultsPerMask`); default 400. */
  maxResultsPerMask: number;
  notifyEmail?: string;
}

/**
 * Splits an upload key into library and mask file.
 *
 * @example
 * uploadLocationOf("lm/my-mask.png") // { library: "lm", fileName: "my-mask.png", sidecarKey: "lm/my-mask.png.json" }
 */
export function uploadLocationOf(key: string): UploadLocation {
  const parts = key.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new UploadRejectedError(
      `"${key}" is not in a library folder: put masks in uploads/<library>/<mask file>, where <library> is an indexed library's name`,
    );
  }
  return { library: parts[0], fileName: parts[1], sidecarKey: `${key}.json` };
}

/**
 * Resolves a sidecar's NeuronBridge-style keys (maskThreshold, dataThreshold,
 * pixColorFluctuation, xyShift, mirrorMask, minMatchingPixRatio, maxResultsPerMask,
 * excludeTopLeft / excludeTopRight as "WxH", notifyEmail) into settings, defaults for the rest.
 * Throws {@link UploadRejectedError} with a sentence naming the bad key.
 *
 * @example
 * uploadSettingsOf({ xyShift: 4, notifyEmail: "ada@example.org" })
 */
export function uploadSettingsOf(sidecar: unknown): UploadSettings {
  if (sidecar === undefined || sidecar === null) sidecar = {};
  if (typeof sidecar !== "object" || Array.isArray(sidecar)) {
    throw new UploadRejectedError("the parameters sidecar must hold a JSON object, e.g. { \"xyShift\": 4 }");
  }
  const { maxResultsPerMask, notifyEmail, ...rest } = sidecar as Record<string, unknown>;
  try {
    return {
      params: parseSearchParams(rest),
      maxResultsPerMask: maxResultsOf(maxResultsPerMask),
      ...(notifyEmail === undefined || notifyEmail === "" ? {} : { notifyEmail: emailOf(notifyEmail) }),
    };
  } catch (error) {
    if (error instanceof ParameterError) throw new UploadRejectedError(`bad search parameter in the sidecar: ${error.message}`, { cause: error });
    throw error;
  }
}

function maxResultsOf(value: unknown): number {
  if (value === undefined) return MAX_CUSTOM_RESULTS;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new ParameterError("maxResultsPerMask", `maxResultsPerMask must be a whole number from 1 to 10000, got ${JSON.stringify(value)}`);
  }
  return n;
}

function emailOf(value: unknown): string {
  if (typeof value !== "string" || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    throw new ParameterError("notifyEmail", `notifyEmail must be an email address, got ${JSON.stringify(value)}`);
  }
  return value;
}
