import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { searchIdSchema, timestampSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

/** The pipeline stages that can give up on a search. */
export const searchFailureStages = ["intake", "dispatch", "worker", "combiner", "sweeper"] as const;

/** A stage that can give up on a search. */
export type SearchFailureStage = (typeof searchFailureStages)[number];

/**
 * A search cannot finish. `reason` is a sentence for the person who submitted it (bad input
 * gets a clear reason, never silence). Routed to `notify`.
 *
 * @example
 * const { reason, stage } = searchFailed.detail.parse(event.detail);
 */
export const searchFailed = defineEvent({
  name: "search-failed",
  source: searchEventSource,
  detailType: "Search Failed",
  version: 1,
  detail: z
    .object({
      searchId: searchIdSchema,
      reason: z.string().trim().min(1),
      stage: z.enum(searchFailureStages),
      failedAt: timestampSchema,
      /** The mask's own file name and the library (optional: events from before they were added lack them). */
      maskName: z.string().min(1).max(1024).optional(),
      library: z.string().min(1).max(256).optional(),
    })
    .strict(),
});

/** The detail of a `Search Failed` event. */
export type SearchFailedDetail = DetailOf<typeof searchFailed>;
