import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { countSchema, objectKeySchema, searchIdSchema, timestampSchema } from "./detail-fields.ts";
import { searchEventSource } from "./event-sources.ts";

/**
 * The last search of a submission (`cds submit`: many masks against one library) ended, and
 * the submission's summary — every mask's status and best matches, as JSON and CSV — is in the
 * results bucket. Routed to `notify` (webhooks and email). The per-mask list stays in the
 * summary, so the event stays small however many masks were submitted.
 *
 * @example
 * const { submissionId, summaryKey, failed } = submissionCompleted.detail.parse(event.detail);
 */
export const submissionCompleted = defineEvent({
  name: "submission-completed",
  source: searchEventSource,
  detailType: "Submission Completed",
  version: 1,
  detail: z
    .object({
      submissionId: searchIdSchema,
      /** The library searched, by its id. */
      library: z.string().min(1),
      /** Masks that became searches. */
      maskCount: countSchema,
      completed: countSchema,
      failed: countSchema,
      /** Masks refused before upload (they are listed, with the reason, in the summary). */
      rejected: countSchema,
      /** The summary's JSON and CSV in the results bucket. */
      summaryKey: objectKeySchema,
      summaryCsvKey: objectKeySchema,
      completedAt: timestampSchema,
      /** From the submission to its last search's end. */
      elapsedMs: countSchema,
    })
    .strict(),
});

/** The detail of a `Submission Completed` event. */
export type SubmissionCompletedDetail = DetailOf<typeof submissionCompleted>;
