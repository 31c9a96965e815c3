import type { SearchItem } from "../entities/search.ts";
import type { SubmissionItem } from "../entities/submission.ts";
import type { SubmissionMaskItem } from "../entities/submission-mask.ts";

/** Where one mask of a submission is: waiting for its upload to be taken in or for a slot, running, or ended. */
export type MaskState = "queued" | "running" | "completed" | "failed";

/** One mask's line of a progress view. */
export interface MaskProgress {
  position: number;
  name: string;
  file: string;
  state: MaskState;
  searchId?: string;
  /** Targets scored so far, of `total` (a finished mask counts whole). */
  scored: number;
  total: number;
  topMatch?: { name: string; matchingPixels: number; matchingRatio: number; mirrored: boolean };
  matchCount?: number;
  resultsKey?: string;
  htmlKey?: string;
  reason?: string;
}

/** A submission's progress: counts by state, targets scored over all its searches, and each mask. */
export interface SubmissionProgress {
  submissionId: string;
  library: string;
  /** `completed` once the summary is written. */
  status: SubmissionItem["status"];
  createdAt: string;
  counts: { masks: number; queued: number; running: number; completed: number; failed: number; rejected: number };
  targets: { scored: number; total: number };
  masks: MaskProgress[];
  rejected: { name: string; file: string; reason: string }[];
  summaryKey?: string;
  summaryCsvKey?: string;
}

/**
 * The progress of a submission from its record, its masks and the searches of theirs the caller
 * read (pure): what `cds submit --wait` and `cds submissions show` draw. A mask's recorded
 * outcome wins; before that its search's status tells (accepted = queued for a slot), and a mask
 * whose search was not read (or whose upload has no search yet) counts as queued — so a caller
 * may read only the running ones. Targets scored count a running search's stored batches.
 *
 * @example
 * const masks = await state.listSubmissionMasks(id);
 * const progress = submissionProgress(submission, masks, await state.getSearches(masks.flatMap((m) => m.searchId ?? [])));
 */
export function submissionProgress(submission: SubmissionItem, masks: readonly SubmissionMaskItem[], searches: readonly SearchItem[]): SubmissionProgress {
  const byId = new Map(searches.map((search) => [search.searchId, search]));
  const total = submission.targetCount;
  const rows = [...masks]
    .sort((a, b) => a.position - b.position)
    .map((mask): MaskProgress => {
      const search = mask.searchId ? byId.get(mask.searchId) : undefined;
      const state = stateOf(mask, search);
      const scored =
        state === "completed" || state === "failed"
          ? total
          : state === "running" && search
            ? Math.min(total, Math.round((search.completedBatches / Math.max(1, search.batchCount)) * total))
            : 0;
      return {
        position: mask.position,
        name: mask.name,
        file: mask.sourceFile,
        state,
        ...(mask.searchId ? { searchId: mask.searchId } : {}),
        scored,
        total,
        ...(mask.topMatches?.[0] ? { topMatch: mask.topMatches[0] } : {}),
        ...(mask.matchCount === undefined ? {} : { matchCount: mask.matchCount }),
        ...(mask.resultsKey ? { resultsKey: mask.resultsKey } : {}),
        ...(mask.htmlKey ? { htmlKey: mask.htmlKey } : {}),
        ...(reasonOf(mask, search) ? { reason: reasonOf(mask, search) } : {}),
      };
    });
  const count = (state: MaskState) => rows.filter((row) => row.state === state).length;
  return {
    submissionId: submission.submissionId,
    library: submission.library,
    status: submission.status,
    createdAt: submission.createdAt,
    counts: { masks: submission.maskCount, queued: count("queued") + Math.max(0, submission.maskCount - rows.length), running: count("running"), completed: count("completed"), failed: count("failed"), rejected: submission.rejected.length },
    targets: { scored: rows.reduce((sum, row) => sum + row.scored, 0), total: submission.maskCount * total },
    masks: rows,
    rejected: submission.rejected.map((r) => ({ name: r.name, file: r.file, reason: r.reason })),
    ...(submission.summaryKey ? { summaryKey: submission.summaryKey } : {}),
    ...(submission.summaryCsvKey ? { summaryCsvKey: submission.summaryCsvKey } : {}),
  };
}

function stateOf(mask: SubmissionMaskItem, search: SearchItem | undefined): MaskState {
  if (mask.outcome) return mask.outcome;
  if (!search || search.status === "accepted") return "queued";
  return search.status;
}

function reasonOf(mask: SubmissionMaskItem, search: SearchItem | undefined): string | undefined {
  if (mask.failureReason) return mask.failureReason;
  return search?.failure ? `(${search.failure.stage}) ${search.failure.reason}` : undefined;
}
