import type { SubmissionItem } from "../entities/submission.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import type { StateStore } from "../state/service.ts";
import { buildSubmissionSummary, submissionSummaryCsv, summaryKeysOf, type SubmissionSummary } from "./submission-summary.ts";

/** What completing a submission reads and writes. */
export interface CompleteSubmissionDeps {
  state: Pick<StateStore, "getSubmission" | "listSubmissionMasks" | "markSubmissionCompleted">;
  /** The results bucket: the summary goes to `submissions/<submissionId>.json` and `.csv`. */
  results: BlobStore;
  now?: () => Date;
}

/** A submission that just completed: its record, its summary, and where the summary went. */
export interface CompletedSubmission {
  submission: SubmissionItem;
  summary: SubmissionSummary;
  summaryKey: string;
  summaryCsvKey: string;
}

/**
 * Completes a submission whose every mask has a recorded outcome: writes the summary (JSON and
 * CSV: every mask's status and best matches) to the results bucket, then marks the submission
 * completed. Resolves the completed submission for exactly one caller — the one whose
 * conditional write (`submissionStillOpen`) closed it — and undefined for everyone else, or
 * while masks are outstanding. Writers racing here write the same summary, so the file is
 * whole whoever writes last.
 *
 * Why the last search is always noticed: each finished search's outcome is recorded before its
 * recorder lists the masks, so of two searches finishing together the later lister sees both
 * outcomes; a recorder that dies in between leaves it to the sweeper (`sweepSubmissions`).
 *
 * @example
 * const completed = await completeSubmissionIfDone(submissionId, { state, results });
 * if (completed) await publish(submissionCompletedEntry(completed));
 */
export async function completeSubmissionIfDone(submissionId: string, deps: CompleteSubmissionDeps): Promise<CompletedSubmission | undefined> {
  const submission = await deps.state.getSubmission(submissionId);
  if (!submission || submission.status !== "open") return undefined;
  const masks = await deps.state.listSubmissionMasks(submissionId);
  if (masks.length < submission.maskCount || masks.some((mask) => mask.outcome === undefined)) return undefined;
  const completedAt = (deps.now?.() ?? new Date()).toISOString();
  const summary = buildSubmissionSummary(submission, masks, completedAt);
  const keys = summaryKeysOf(submissionId);
  await deps.results.put(keys.json, new TextEncoder().encode(`${JSON.stringify(summary, null, 2)}\n`));
  await deps.results.put(keys.csv, new TextEncoder().encode(submissionSummaryCsv(summary)));
  const completed = await deps.state.markSubmissionCompleted(submissionId, {
    summaryKey: keys.json,
    summaryCsvKey: keys.csv,
    completedCount: summary.counts.completed,
    failedCount: summary.counts.failed,
    completedAt,
  });
  return completed ? { submission: completed, summary, summaryKey: keys.json, summaryCsvKey: keys.csv } : undefined;
}
