import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/** How a submitted mask's search ended. */
export const MASK_OUTCOMES = ["completed", "failed"] as const;

/** One of {@link MASK_OUTCOMES}. */
export type MaskOutcome = (typeof MASK_OUTCOMES)[number];

/**
 * The `SubmissionMask` entity: one mask of a submission, keyed by its identity (`maskId`:
 * a hash of the image bytes and the resolved search parameters), so the same mask submitted
 * again is the same item. It names the upload it became (`uploadKey`), the search intake made
 * of it (`searchId`, set once: the first search wins) and, once that search ended, its outcome
 * with the best matches (`topMatches`), which the submission's summary is built from.
 *
 * Access pattern: "Which masks does submission X have?" (`bySubmission`, the submission's own
 * partition, beside the `Submission` item).
 *
 * @example
 * const masks = submissionMaskEntity(stateTableLayout());
 * const { data } = await masks.query.bySubmission({ submissionId }).go({ pages: "all" });
 */
export function submissionMaskEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "submissionMask", version: "1", service: STATE_SERVICE },
    attributes: {
      submissionId: { type: "string", required: true, readOnly: true },
      maskId: { type: "string", required: true, readOnly: true },
      /** Place in the submission as first given (0-based): display order and upload order. */
      position: { type: "number", required: true, readOnly: true },
      /** The mask's name (a manifest's `name`, else the file name without its extension). */
      name: { type: "string", required: true, readOnly: true },
      /** Where the submitter's file was (for people; never read by the pipeline). */
      sourceFile: { type: "string", required: true, readOnly: true },
      uploadKey: { type: "string", required: true, readOnly: true },
      searchId: { type: "string" },
      outcome: { type: MASK_OUTCOMES },
      finishedAt: { type: "string" },
      matchCount: { type: "number" },
      partial: { type: "boolean" },
      resultsKey: { type: "string" },
      htmlKey: { type: "string" },
      failureReason: { type: "string" },
      topMatches: {
        type: "list",
        items: {
          type: "map",
          properties: {
            name: { type: "string", required: true },
            matchingPixels: { type: "number", required: true },
            matchingRatio: { type: "number", required: true },
            mirrored: { type: "boolean", required: true },
          },
        },
      },
    },
    indexes: {
      bySubmission: {
        pk: { field: layout.fields.pk, composite: ["submissionId"], casing: "none" },
        sk: { field: layout.fields.sk, composite: ["maskId"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `SubmissionMask` entity's type. */
export type SubmissionMaskEntity = ReturnType<typeof submissionMaskEntity>;

/** A stored submission mask. */
export type SubmissionMaskItem = EntityItem<SubmissionMaskEntity>;
