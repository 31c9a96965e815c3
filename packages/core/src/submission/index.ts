// @cds/core's public surface: the names of @cds/core/submission that other packages import, listed by name.
export { completeSubmissionIfDone } from "./complete-submission.ts";
export type { CompletedSubmission } from "./complete-submission.ts";
export { canonicalSettings } from "./mask-identity.ts";
export { prepareSubmission } from "./prepare-submission.ts";
export type { RejectedMask, SubmissionInput } from "./prepare-submission.ts";
export { submissionProgress } from "./submission-progress.ts";
export type { SubmissionProgress } from "./submission-progress.ts";
export { buildSubmissionSummary, submissionSummaryCsv } from "./submission-summary.ts";
export type { SubmissionSummary } from "./submission-summary.ts";
export { submitMasks } from "./submit-masks.ts";
export type { SubmissionReceipt } from "./submit-masks.ts";
export { sweepSubmissions, trackSubmissionSearch } from "./track-submission.ts";
