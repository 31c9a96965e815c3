import { MAX_CUSTOM_RESULTS } from "./results/combine-batches.ts";
import { defaultSearchParams } from "./search-params.ts";

/** One field of the parameter form a console shows, in the sidecar's names. */
export interface SearchParamField {
  readonly name: string;
  readonly label: string;
  readonly kind: "integer" | "number" | "choice" | "boolean" | "region";
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly number[];
  readonly help: string;
}

/**
 * The parameter form of the browser console, on both runtimes (`GET /api/params`): each
 * sidecar key a person may set, its kind and range (checked again, on submit, by
 * `uploadSettingsOf`, which has the last word), and the defaults as a sidecar writes them.
 *
 * @example
 * const { fields, defaults } = searchParamForm();
 */
export function searchParamForm(): { fields: readonly SearchParamField[]; defaults: Record<string, unknown> } {
  const d = defaultSearchParams;
  return {
    fields: SEARCH_PARAM_FIELDS,
    defaults: {
      ...d,
      excludeTopLeft: `${d.excludeTopLeft.width}x${d.excludeTopLeft.height}`,
      excludeTopRight: `${d.excludeTopRight.width}x${d.excludeTopRight.height}`,
      maxResultsPerMask: MAX_CUSTOM_RESULTS,
    },
  };
}

const SEARCH_PARAM_FIELDS: readonly SearchParamField[] = [
  { name: "maskThreshold", label: "Mask threshold", kind: "integer", min: 0, max: 255, help: "mask pixels count when a channel is above this" },
  { name: "dataThreshold", label: "Data threshold", kind: "integer", min: 0, max: 255, help: "target pixels count when a channel is above this" },
  { name: "pixColorFluctuation", label: "Colour (depth) tolerance, %", kind: "number", min: 0, max: 100, help: "1.18 % is about one z-slice" },
  { name: "xyShift", label: "XY shift, px", kind: "choice", choices: [0, 2, 4], help: "largest offset tried" },
  { name: "mirrorMask", label: "Also mirrored", kind: "boolean", help: "try the mask flipped left–right" },
  { name: "minMatchingPixRatio", label: "Minimum match, % of mask", kind: "number", min: 0, max: 100, help: "a target matches above this share of mask pixels" },
  { name: "maxResultsPerMask", label: "Matches kept", kind: "integer", min: 1, max: 10_000, help: "best matches in the results" },
  { name: "excludeTopLeft", label: "Ignore top left (label)", kind: "region", help: "WIDTHxHEIGHT in pixels; 0x0 keeps it" },
  { name: "excludeTopRight", label: "Ignore top right (colour scale)", kind: "region", help: "WIDTHxHEIGHT in pixels; 0x0 keeps it" },
];
