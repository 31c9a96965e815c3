import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { countSchema, objectKeySchema, searchIdSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

/**
 * Intake accepted a mask: the `Search` record exists and waits for a running slot. Routed to
 * `admission`, which reads only the detail-type (it plans from the stored search); the rest is
 * what people watching read: `cds dev`'s log line and the console's row.
 *
 * Version 2 dropped `parameters`, `submittedAt` and `notifyEmail`, which no consumer read (the
 * search record holds them).
 *
 * @example
 * const detail: SearchAcceptedDetail = searchAccepted.detail.parse(event.detail);
 */
export const searchAccepted = defineEvent({
  name: "search-accepted",
  source: searchEventSource,
  detailType: "Search Accepted",
  version: 2,
  detail: z
    .object({
      searchId: searchIdSchema,
      /** The library searched, by its id. */
      library: z.string().min(1),
      /** Where the mask lies in the upload bucket. */
      maskKey: objectKeySchema,
      /** Targets in the searched libraries (the log line and the console's progress show it). */
      targetCount: countSchema,
    })
    // Strict: we own every producer, so an unknown key is a typo to catch, not a newer field.
    .strict(),
});

/** The detail of a `Search Accepted` event. */
export type SearchAcceptedDetail = DetailOf<typeof searchAccepted>;
