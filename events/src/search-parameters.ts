import { z } from "zod";
import type { SearchParams } from "@cds/core";

const regionSizeSchema = z.object({ width: z.number().int().nonnegative(), height: z.number().int().nonnegative() }).strict();

/**
 * The resolved parameters a search runs with, as events carry them: the fields of
 * `SearchParams` from `@cds/core`, all present. Intake resolves user input with
 * `parseSearchParams` (which owns the defaults and the accepted ranges) before it emits
 * `Search Accepted`, so this schema checks shape and types only and repeats no policy.
 *
 * @example
 * searchParametersSchema.parse({ ...defaultSearchParams }) // a SearchParams
 */
export const searchParametersSchema = z
  .object({
    maskThreshold: z.number().int(),
    dataThreshold: z.number().int(),
    pixColorFluctuation: z.number().finite(),
    xyShift: z.union([z.literal(0), z.literal(2), z.literal(4)]),
    mirrorMask: z.boolean(),
    minMatchingPixRatio: z.number().finite(),
    excludeTopLeft: regionSizeSchema,
    excludeTopRight: regionSizeSchema,
  })
  .strict() satisfies z.ZodType<SearchParams>;
