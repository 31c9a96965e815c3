import { EMAIL_ADDRESS_PATTERN } from "@cds/core";
import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { countSchema, objectKeySchema, searchIdSchema, timestampSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";
import { searchParametersSchema } from "./search-parameters.ts";

/**
 * Intake accepted a mask: the `Search` record exists and the dispatch tree may start.
 * Routed to `dispatch`.
 *
 * @example
 * const detail: SearchAcceptedDetail = searchAccepted.detail.parse(event.detail);
 */
export const searchAccepted = defineEvent({
  name: "search-accepted",
  source: searchEventSource,
  detailType: "Search Accepted",
  version: 1,
  detail: z
    .object({
      searchId: searchIdSchema,
      /** The library searched, by its id. */
      library: z.string().min(1),
      /** Where the mask lies in the upload bucket. */
      maskKey: objectKeySchema,
      parameters: searchParametersSchema,
      /** Targets in the library, so dispatch can plan without reading the manifest again. */
      targetCount: countSchema,
      submittedAt: timestampSchema,
      /** Where to send the results email, when the submitter asked for one. */
      notifyEmail: z.string().regex(EMAIL_ADDRESS_PATTERN).optional(),
    })
    // Strict: we own every producer, so an unknown key is a typo to catch, not a newer field.
    .strict(),
});

/** The detail of a `Search Accepted` event. */
export type SearchAcceptedDetail = DetailOf<typeof searchAccepted>;
