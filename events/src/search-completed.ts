import { TOP_MATCHES_REPORTED } from "@cds/core/results";
import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { countSchema, objectKeySchema, searchIdSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

const topMatchSchema = z
  .object({
    /** The target's name as the library lists it. */
    name: z.string().min(1),
    matchingPixels: countSchema,
    /** matchingPixels / mask size, 0–1. */
    matchingRatio: z.number().min(0).max(1),
    /** True when the mirrored mask gave this score. */
    mirrored: z.boolean(),
  })
  .strict();

/**
 * The combiner wrote the results document (JSON and HTML) and marked the search completed.
 * Routed to `notify`. `partial` is true when the sweeper finished the search after its deadline
 * without every batch, so the ranking may miss targets.
 *
 * @example
 * const { resultsKey, topMatches } = searchCompleted.detail.parse(event.detail);
 */
export const searchCompleted = defineEvent({
  name: "search-completed",
  source: searchEventSource,
  detailType: "Search Completed",
  version: 1,
  detail: z
    .object({
      searchId: searchIdSchema,
      matchCount: countSchema,
      resultsKey: objectKeySchema,
      htmlKey: objectKeySchema,
      /** The best matches, best first (at most `TOP_MATCHES_REPORTED`), so a notification can show them. */
      topMatches: z.array(topMatchSchema).max(TOP_MATCHES_REPORTED),
      partial: z.boolean(),
      /** From acceptance to completion. */
      elapsedMs: countSchema,
      /** The mask's own file name (optional: events from before it was added lack it). */
      maskName: z.string().min(1).max(1024).optional(),
      /** The searched library's name (optional, as `maskName`). */
      library: z.string().min(1).max(256).optional(),
    })
    .strict(),
});

/** The detail of a `Search Completed` event. */
export type SearchCompletedDetail = DetailOf<typeof searchCompleted>;
