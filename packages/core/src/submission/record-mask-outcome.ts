import type { SearchItem } from "../entities/search.ts";
import { BlobNotFoundError, type BlobStore } from "../ports/blob-store.ts";
import type { ResultsDocument } from "../results/results-document.ts";
import { TOP_MATCHES_REPORTED } from "../results/top-matches.ts";
import type { StateStore } from "../state/service.ts";

/** What recording a mask's outcome reads and writes. */
export interface RecordMaskOutcomeDeps {
  state: Pick<StateStore, "recordMaskOutcome">;
  /** The results bucket, where a completed search's results document is. */
  results: BlobStore;
}

/**
 * Records in its submission how a finished search of a submitted mask ended: for a completed
 * search its match count and best matches (read from its results document, so the summary
 * needs no other read later), for a failed one the reason. Once per mask (see
 * `recordMaskOutcome`); resolves false when the outcome was recorded already, or the search
 * is not part of a submission or not finished.
 *
 * @example
 * await recordOutcomeOfSearch(await state.getSearch(searchId), { state, results });
 */
export async function recordOutcomeOfSearch(search: SearchItem, deps: RecordMaskOutcomeDeps): Promise<boolean> {
  const { submissionId, submissionMaskId: maskId, searchId } = search;
  if (!submissionId || !maskId) return false;
  if (search.status === "failed") {
    const reason = search.failure ? `(${search.failure.stage}) ${search.failure.reason}` : "the search failed";
    return deps.state.recordMaskOutcome({ submissionId, maskId, searchId, outcome: "failed", failureReason: reason, finishedAt: search.completedAt });
  }
  if (search.status !== "completed") return false;
  const resultsKey = search.resultsKey ?? `${searchId}.json`;
  return deps.state.recordMaskOutcome({
    submissionId,
    maskId,
    searchId,
    outcome: "completed",
    matchCount: search.matchCount ?? 0,
    partial: search.partial ?? false,
    resultsKey,
    htmlKey: resultsKey.replace(/\.json$/, ".html"),
    topMatches: await topMatchesOf(resultsKey, deps.results),
    finishedAt: search.completedAt,
  });
}

async function topMatchesOf(resultsKey: string, results: BlobStore): Promise<{ name: string; matchingPixels: number; matchingRatio: number; mirrored: boolean }[]> {
  let document: ResultsDocument;
  try {
    document = JSON.parse(new TextDecoder().decode(await results.get(resultsKey))) as ResultsDocument;
  } catch (error) {
    // A results document removed by hand costs the summary this mask's matches, not the submission.
    if (error instanceof BlobNotFoundError) return [];
    throw error;
  }
  return document.results.slice(0, TOP_MATCHES_REPORTED).map((r) => ({ name: r.name, matchingPixels: r.matchingPixels, matchingRatio: r.matchingRatio, mirrored: r.mirrored }));
}
