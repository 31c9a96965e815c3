import { CdsError, ParameterError } from "../errors.ts";
import { MAX_CUSTOM_RESULTS } from "../results/combine-batches.ts";
import { defaultSearchParams } from "../search-params.ts";
import { DEFAULT_SHAPE_TOP_LINES } from "../shape/shape-ranking.ts";
import { uploadSettingsOf } from "./upload-settings.ts";

// The upload form of the browser console (local and on a stage): its fields in the sidecar's
// names, their defaults, and the check a filled-in form passes before anything is uploaded —
// intake's own sidecar rules (uploadSettingsOf), so the form can never accept what intake would
// refuse, with the failing value named by its field.

/** One field of the form: the sidecar key, a label, its kind and range, a line of help. */
export interface UploadFormField {
  name: string;
  label: string;
  kind: "integer" | "number" | "choice" | "boolean" | "region";
  min?: number;
  max?: number;
  choices?: readonly (number | string)[];
  help: string;
}

/** The form's fields, in the order shown. */
export const UPLOAD_FORM_FIELDS: readonly UploadFormField[] = [
  { name: "maskThreshold", label: "Mask threshold", kind: "integer", min: 0, max: 255, help: "mask pixels count when a channel is above this" },
  { name: "dataThreshold", label: "Data threshold", kind: "integer", min: 0, max: 255, help: "target pixels count when a channel is above this" },
  { name: "pixColorFluctuation", label: "Colour (depth) tolerance, %", kind: "number", min: 0, max: 100, help: "1.18 % is about one z-slice" },
  { name: "xyShift", label: "XY shift, px", kind: "choice", choices: [0, 2, 4], help: "largest offset tried" },
  { name: "mirrorMask", label: "Also mirrored", kind: "boolean", help: "try the mask flipped left–right" },
  { name: "minMatchingPixRatio", label: "Minimum match, % of mask", kind: "number", min: 0, max: 100, help: "a target matches above this share of mask pixels" },
  { name: "maxResultsPerMask", label: "Matches kept", kind: "integer", min: 1, max: 10_000, help: "best matches in the results" },
  { name: "excludeTopLeft", label: "Ignore top left (label)", kind: "region", help: "WIDTHxHEIGHT in pixels; 0x0 keeps it" },
  { name: "excludeTopRight", label: "Ignore top right (colour scale)", kind: "region", help: "WIDTHxHEIGHT in pixels; 0x0 keeps it" },
  {
    name: "rank",
    label: "Rank by",
    kind: "choice",
    choices: ["pixels", "shape"],
    help: `shape: re-rank the best ${DEFAULT_SHAPE_TOP_LINES} lines by NeuronBridge's 2-D shape score (a library indexed --with-shape)`,
  },
];

/**
 * The form's defaults: NeuronBridge's custom-search parameters, regions as "WxH".
 *
 * @example
 * uploadFormDefaults().maskThreshold // 100
 */
export function uploadFormDefaults(): Record<string, unknown> {
  const d = defaultSearchParams;
  return {
    ...d,
    excludeTopLeft: `${d.excludeTopLeft.width}x${d.excludeTopLeft.height}`,
    excludeTopRight: `${d.excludeTopRight.width}x${d.excludeTopRight.height}`,
    maxResultsPerMask: MAX_CUSTOM_RESULTS,
    rank: "pixels",
  };
}

/**
 * The sidecar a filled-in form (`{ params, notifyEmail }`) becomes, checked by intake's rules;
 * throws {@link ParameterError} naming the field (`parameter`). The keys `cds submit` writes
 * (a submission's tags) and `notifyEmail` are not parameters: a form cannot set them there.
 *
 * @example
 * uploadFormSidecar({ params: { xyShift: 4 }, notifyEmail: "ada@example.org" }) // { xyShift: 4, notifyEmail: "ada@example.org" }
 */
export function uploadFormSidecar(input: { params?: unknown; notifyEmail?: unknown }): Record<string, unknown> {
  if (input.params !== undefined && (typeof input.params !== "object" || input.params === null || Array.isArray(input.params))) {
    throw new ParameterError("params", 'params must be an object of search parameters, e.g. { "xyShift": 4 }');
  }
  const sidecar: Record<string, unknown> = { ...(input.params as Record<string, unknown> | undefined) };
  for (const reserved of RESERVED_KEYS) {
    if (reserved in sidecar) throw new ParameterError(reserved, `"${reserved}" is not a search parameter${reserved === "notifyEmail" ? ": send it as notifyEmail beside params" : ""}`);
  }
  if (input.notifyEmail !== undefined && input.notifyEmail !== "") {
    if (typeof input.notifyEmail !== "string") throw new ParameterError("notifyEmail", "notifyEmail must be an email address");
    sidecar.notifyEmail = input.notifyEmail;
  }
  try {
    uploadSettingsOf(sidecar);
  } catch (error) {
    const cause = error instanceof CdsError ? (error.cause ?? error) : error;
    if (cause instanceof ParameterError) throw cause;
    if (error instanceof CdsError) throw new ParameterError(/mail/i.test(error.message) ? "notifyEmail" : "params", error.message, { cause: error });
    throw error;
  }
  return sidecar;
}

/** Sidecar keys that are not the form's to set. */
const RESERVED_KEYS = ["submissionId", "submissionMaskId", "notifyEmail"] as const;
