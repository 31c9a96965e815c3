import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { searchIdSchema, timestampSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

/**
 * Every batch of a search has a persisted result: emitted once, by the worker whose
 * conditional write counted the last batch. Routed to `combiner` (the completion rule).
 *
 * @example
 * const { searchId } = searchBatchesCompleted.detail.parse(event.detail);
 */
export const searchBatchesCompleted = defineEvent({
  name: "search-batches-completed",
  source: searchEventSource,
  detailType: "Search Batches Completed",
  version: 1,
  detail: z
    .object({
      searchId: searchIdSchema,
      batchCount: z.number().int().positive(),
      completedAt: timestampSchema,
    })
    .strict(),
});

/** The detail of a `Search Batches Completed` event. */
export type SearchBatchesCompletedDetail = DetailOf<typeof searchBatchesCompleted>;
