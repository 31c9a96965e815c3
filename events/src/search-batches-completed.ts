import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { searchIdSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

/**
 * Every batch of a search has a persisted result: emitted once, by the worker whose
 * conditional write counted the last batch. Routed to `combiner` (the completion rule). When it
 * happened is the envelope's `time`: version 2 dropped `completedAt`, which no consumer read.
 *
 * @example
 * const { searchId } = searchBatchesCompleted.detail.parse(event.detail);
 */
export const searchBatchesCompleted = defineEvent({
  name: "search-batches-completed",
  source: searchEventSource,
  detailType: "Search Batches Completed",
  version: 2,
  detail: z
    .object({
      searchId: searchIdSchema,
      batchCount: z.number().int().positive(),
    })
    .strict(),
});

/** The detail of a `Search Batches Completed` event. */
export type SearchBatchesCompletedDetail = DetailOf<typeof searchBatchesCompleted>;
