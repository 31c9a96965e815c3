import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/** `open` while some of a submission's masks have not finished; `completed` once its summary is written. */
export const SUBMISSION_STATUSES = ["open", "completed"] as const;

/** One of {@link SUBMISSION_STATUSES}. */
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/**
 * The `Submission` entity: many masks submitted together (`cds submit`) against one library,
 * each becoming one search. Its masks are `SubmissionMask` items in the same partition.
 *
 * `submissionId` is derived from the library and the masks' identities (content hash +
 * parameters), so running the same command again names the same submission. `maskCount`
 * counts the masks that passed local validation (the searches the submission waits for);
 * `rejected` lists the ones that did not, with the reason, for the summary.
 *
 * Access patterns: "What is submission X?" (`byId`) and "Which submissions are open, oldest
 * first?" (`byStatus`, gsi1: status → createdAt, submissionId), for the sweeper.
 *
 * @example
 * const submissions = submissionEntity(stateTableLayout());
 * const { data } = await submissions.get({ submissionId }).go({ consistent: true });
 */
export function submissionEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "submission", version: "1", service: STATE_SERVICE },
    attributes: {
      submissionId: { type: "string", required: true, readOnly: true },
      library: { type: "string", required: true, readOnly: true },
      maskCount: { type: "number", required: true, readOnly: true },
      /** Targets in the library when submitted: each search scores this many. */
      targetCount: { type: "number", required: true, readOnly: true },
      rejected: {
        type: "list",
        required: true,
        readOnly: true,
        items: {
          type: "map",
          properties: {
            name: { type: "string", required: true },
            file: { type: "string", required: true },
            reason: { type: "string", required: true },
          },
        },
      },
      notifyEmail: { type: "string" },
      status: { type: SUBMISSION_STATUSES, required: true },
      createdAt: { type: "string", required: true, readOnly: true },
      completedAt: { type: "string" },
      completedCount: { type: "number" },
      failedCount: { type: "number" },
      summaryKey: { type: "string" },
      summaryCsvKey: { type: "string" },
      /** Set by the write that completes the submission, removed once `Submission Completed` was handled (cds dev's outbox; see search.ts). */
      endEventPending: { type: "boolean" },
    },
    indexes: {
      byId: {
        pk: { field: layout.fields.pk, composite: ["submissionId"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
      byStatus: {
        index: layout.indexes.gsi1,
        pk: { field: layout.fields.gsi1pk, composite: ["status"], casing: "none" },
        sk: { field: layout.fields.gsi1sk, composite: ["createdAt", "submissionId"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `Submission` entity's type. */
export type SubmissionEntity = ReturnType<typeof submissionEntity>;

/** A stored submission. */
export type SubmissionItem = EntityItem<SubmissionEntity>;
