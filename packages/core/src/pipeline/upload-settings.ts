import { ParameterError } from "../errors.ts";
import { parseSearchParams } from "../search-params.ts";
import { MAX_CUSTOM_RESULTS } from "../results/combine-batches.ts";
import { isEmailAddress } from "../text/email-address.ts";
import { UploadRejectedError } from "./pipeline-errors.ts";
import type { SearchSpec, ShapeRankSpec } from "./search-job.ts";
import { DEFAULT_SHAPE_TOP_LINES } from "../shape/shape-ranking.ts";
import { libraryList } from "../library/library-union.ts";

/** Where an upload sits: `<library>/<mask file>` in the upload bucket. */
export interface UploadLocation {
  library: string;
  fileName: string;
  /** The optional sidecar of parameters: `<mask key>.json`. */
  sidecarKey: string;
}

/** The submission an upload belongs to (`cds submit` writes it into the sidecar). */
export interface SubmissionTag {
  submissionId: string;
  /** The mask's id in the submission. */
  maskId: string;
}

/**
 * What an upload's sidecar (or the defaults) resolves to: the {@link SearchSpec} the search
 * stores and runs with (`top` is the sidecar's `maxResultsPerMask`, default 400; `shape` its
 * `rank: "shape"` with `shapeTop`), and the libraries intake checks and plans.
 */
export interface UploadSettings extends SearchSpec {
  /** Libraries searched besides the upload folder's (sidecar `libraries`), ranked with it as one. */
  libraries?: string[];
}

/** Sidecar keys that tag an upload with its submission; not search parameters. */
const SUBMISSION_KEYS = ["submissionId", "submissionMaskId"] as const;

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
 * excludeTopLeft / excludeTopRight as "WxH", notifyEmail; `rank` "pixels" or "shape" and
 * `shapeTop`, as `cds search --rank --shape-top`; `libraries`, more libraries to search with the
 * folder's) into settings, defaults for the rest;
 * `submissionId` / `submissionMaskId` (written by `cds submit`) tag the search with its submission.
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
  const { maxResultsPerMask, notifyEmail, submissionId, submissionMaskId, rank, shapeTop, libraries, ...rest } = sidecar as Record<string, unknown>;
  const submission = submissionTagOf(sidecar);
  if ((submissionId !== undefined || submissionMaskId !== undefined) && !submission) {
    throw new UploadRejectedError("the sidecar's submissionId and submissionMaskId must both be ids (letters, digits, '.', '_' or '-')");
  }
  try {
    const shape = shapeRankOf(rank, shapeTop);
    return {
      params: parseSearchParams(rest),
      top: maxResultsOf(maxResultsPerMask),
      ...(shape ? { shape } : {}),
      ...(notifyEmail === undefined || notifyEmail === "" ? {} : { notifyEmail: emailOf(notifyEmail) }),
      ...(submission ? { submission } : {}),
      ...(libraries === undefined ? {} : { libraries: librariesOf(libraries) }),
    };
  } catch (error) {
    if (error instanceof ParameterError) throw new UploadRejectedError(`bad search parameter in the sidecar: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The submission tag of a sidecar, when it carries a well-formed one (else undefined, never a
 * throw): intake reads it even from a sidecar whose parameters it refuses, so the submission
 * still learns that its mask failed.
 *
 * @example
 * submissionTagOf({ submissionId: "sub-3f2a", submissionMaskId: "9c1e…" }) // { submissionId: "sub-3f2a", maskId: "9c1e…" }
 */
export function submissionTagOf(sidecar: unknown): SubmissionTag | undefined {
  if (typeof sidecar !== "object" || sidecar === null || Array.isArray(sidecar)) return undefined;
  const [submissionId, maskId] = SUBMISSION_KEYS.map((key) => (sidecar as Record<string, unknown>)[key]);
  const isId = (value: unknown): value is string => typeof value === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(value);
  return isId(submissionId) && isId(maskId) ? { submissionId, maskId } : undefined;
}

function maxResultsOf(value: unknown): number {
  if (value === undefined) return MAX_CUSTOM_RESULTS;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new ParameterError("maxResultsPerMask", `maxResultsPerMask must be a whole number from 1 to 10000, got ${JSON.stringify(value)}`);
  }
  return n;
}

function librariesOf(value: unknown): string[] {
  if (!Array.isArray(value)) throw new ParameterError("libraries", `libraries must be a list of library names, e.g. ["flylight-split-gal4"], got ${typeof value}`);
  return libraryList(value, "libraries");
}

function shapeRankOf(rank: unknown, shapeTop: unknown): ShapeRankSpec | undefined {
  if (rank !== undefined && rank !== "pixels" && rank !== "shape") {
    throw new ParameterError("rank", `rank must be "pixels" or "shape", got ${JSON.stringify(typeof rank === "string" ? rank.slice(0, 40) : rank)}`);
  }
  if (rank !== "shape") {
    if (shapeTop !== undefined) throw new ParameterError("shapeTop", 'shapeTop needs rank "shape"');
    return undefined;
  }
  if (shapeTop === undefined) return { topLines: DEFAULT_SHAPE_TOP_LINES };
  const n = typeof shapeTop === "string" ? Number(shapeTop) : shapeTop;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new ParameterError("shapeTop", `shapeTop must be a whole number of lines from 1 to 10000, got ${JSON.stringify(shapeTop)}`);
  }
  return { topLines: n };
}

function emailOf(value: unknown): string {
  if (!isEmailAddress(value)) {
    throw new ParameterError("notifyEmail", `notifyEmail must be exactly one email address (like ada@example.org), got ${JSON.stringify(typeof value === "string" ? value.slice(0, 80) : value)}`);
  }
  return value;
}
