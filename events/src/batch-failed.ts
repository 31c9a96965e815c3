import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { countSchema, searchIdSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

/**
 * A worker could not score its batch after its retries (published by the on-failure path, for
 * the event log and operators). No rule routes it: the batch stays missing, and the periodic
 * sweep re-runs it or, past the search's deadline, finishes the search with partial results.
 *
 * @example
 * const { batchId, attempt } = batchFailed.detail.parse(event.detail);
 */
export const batchFailed = defineEvent({
  name: "batch-failed",
  source: searchEventSource,
  detailType: "Batch Failed",
  version: 1,
  detail: z
    .object({
      searchId: searchIdSchema,
      /** The batch's index in the search's plan (0 … batchCount − 1). */
      batchId: countSchema,
      /** 1 for the first try. */
      attempt: z.number().int().positive(),
      /** What went wrong, for an operator (not shown to the submitter). */
      error: z.string().min(1),
    })
    .strict(),
});

/** The detail of a `Batch Failed` event. */
export type BatchFailedDetail = DetailOf<typeof batchFailed>;
