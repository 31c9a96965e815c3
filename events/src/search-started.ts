import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { searchIdSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

/**
 * The root dispatcher planned the batches and started invoking workers. No rule routes it:
 * it is there for observers (`cds dev`'s log line, the console's row). When it happened is the
 * envelope's `time`: version 2 dropped `startedAt`, which no consumer read.
 *
 * @example
 * const { batchCount } = searchStarted.detail.parse(event.detail);
 */
export const searchStarted = defineEvent({
  name: "search-started",
  source: searchEventSource,
  detailType: "Search Started",
  version: 2,
  detail: z
    .object({
      searchId: searchIdSchema,
      batchCount: z.number().int().positive(),
      /** Targets per batch (the last batch may hold fewer). */
      batchSize: z.number().int().positive(),
    })
    .strict(),
});

/** The detail of a `Search Started` event. */
export type SearchStartedDetail = DetailOf<typeof searchStarted>;
