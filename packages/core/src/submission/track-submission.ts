import type { StateStore } from "../state/service.ts";
import { completeSubmissionIfDone, type CompleteSubmissionDeps, type CompletedSubmission } from "./complete-submission.ts";
import { recordOutcomeOfSearch, type RecordMaskOutcomeDeps } from "./record-mask-outcome.ts";

/** What tracking a submission reads and writes. */
export type TrackSubmissionDeps = RecordMaskOutcomeDeps &
  CompleteSubmissionDeps & { state: Pick<StateStore, "getSearch" | "getSearches" | "listSubmissionsByStatus"> };

/**
 * On a search's `Search Completed` or `Search Failed`: when the search is a submitted mask's,
 * record its outcome in the submission and, if it was the last one, complete the submission
 * (summary files, then the record). Resolves the completed submission for the one caller that
 * completed it, else undefined (not a submission's search, masks still outstanding, or a
 * redelivered event).
 *
 * @example
 * const completed = await trackSubmissionSearch(event.detail.searchId, { state, results });
 * if (completed) await publish(submissionCompletedEntry(completed));
 */
export async function trackSubmissionSearch(searchId: string, deps: TrackSubmissionDeps): Promise<CompletedSubmission | undefined> {
  const search = await deps.state.getSearch(searchId);
  if (!search?.submissionId) return undefined;
  await recordOutcomeOfSearch(search, deps);
  return completeSubmissionIfDone(search.submissionId, deps);
}

/**
 * The sweeper's pass over open submissions: records the outcome of every finished search whose
 * outcome is missing (its event was lost, or its recorder died), then completes the submissions
 * that are done. Idempotent; resolves the submissions this pass completed.
 *
 * @example
 * for (const completed of await sweepSubmissions({ state, results })) await publish(submissionCompletedEntry(completed));
 */
export async function sweepSubmissions(deps: TrackSubmissionDeps): Promise<CompletedSubmission[]> {
  const completed: CompletedSubmission[] = [];
  for (const submission of await deps.state.listSubmissionsByStatus("open")) {
    const masks = await deps.state.listSubmissionMasks(submission.submissionId);
    const unrecorded = masks.filter((mask) => mask.searchId && mask.outcome === undefined).map((mask) => mask.searchId!);
    for (const search of await deps.state.getSearches(unrecorded)) await recordOutcomeOfSearch(search, deps);
    const done = await completeSubmissionIfDone(submission.submissionId, deps);
    if (done) completed.push(done);
  }
  return completed;
}
