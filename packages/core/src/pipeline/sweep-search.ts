import type { SearchItem } from "../entities/search.ts";
import type { DispatcherNode } from "../planning/dispatch-tree.ts";
import type { LeafState } from "../state/completion-access.ts";

/** What the sweeper should do about one search. */
export type SweepDecision =
  /** Nothing (yet): not running, too young, or its batches are in flight. */
  | { kind: "none" }
  /** Stored batches are not all counted, or the count is complete but was never announced: reconcile (that may complete the search). */
  | { kind: "reconcile" }
  /** The completion was announced a while ago but the search still runs: the event was lost; announce it again. */
  | { kind: "announce" }
  /** Dispatch these leaves again, each for its missing batches (neither recorded nor in flight). */
  | { kind: "retry"; leaves: { leaf: DispatcherNode; batches: number[] }[] }
  /** Past the deadline with some batches stored: combine what exists, flagged partial. */
  | { kind: "finish-partial"; missingBatches: number[] }
  /** Past the deadline with nothing to show (or partial results not allowed): fail it. */
  | { kind: "fail"; reason: string };

/** What {@link decideSweep} weighs besides the search. */
export interface SweepFacts {
  /** Batches of the search with no stored result. */
  missingBatches: readonly number[];
  /** Every leaf's count and last dispatch, in leaf order. */
  leaves: readonly LeafState[];
  /** When the root's completion was announced, if it was. */
  announcedAt?: string;
  now: Date;
  /** When the search started running (its `startedAt`, else `submittedAt`). */
  startedAt: Date;
  /**
   * How long a dispatched batch counts as in flight: a leaf's missing batches are dispatched again
   * only this long after the leaf (or, never dispatched, the search) started.
   */
  retryAfterMs: number;
  /** A search still missing batches this long after it started is finished or failed. */
  deadlineMs: number;
  /** Whether a search past its deadline may finish with partial results (else it fails). */
  partialAllowed: boolean;
}

/**
 * An announcement is taken for lost only this long after it was made, however short the
 * retry setting: a combine (with a shape stage, a large search's) takes seconds, and announcing
 * again while it runs would only start a second one.
 */
const REANNOUNCE_AFTER_MS = 15_000;

/**
 * The sweeper's decision for one search (pure). A running search gets its missing batches
 * dispatched again — only those neither recorded nor in flight: a leaf dispatched less than
 * `retryAfterMs` ago is in flight, and so is a later-wave leaf whose predecessor has not completed
 * (it starts when that one does) — and past `deadlineMs` it finishes as partial when at least one
 * batch is stored, else it fails with a reason a person understands. A search whose batches are
 * all stored but not all counted is reconciled; one counted and announced long ago is announced
 * again.
 *
 * @example
 * decideSweep(search, { missingBatches: [3], leaves, now, startedAt, retryAfterMs: 60_000, deadlineMs: 400_000, partialAllowed: true })
 */
export function decideSweep(search: Pick<SearchItem, "status" | "batchCount" | "lanes">, facts: SweepFacts): SweepDecision {
  if (search.status !== "running") return { kind: "none" };
  const missing = [...facts.missingBatches];
  const counted = facts.leaves.reduce((n, l) => n + l.done, 0);
  const stored = search.batchCount - missing.length;
  const now = facts.now.getTime();
  if (missing.length === 0) {
    if (counted < search.batchCount || !facts.announcedAt) return { kind: "reconcile" };
    const lostAfter = Math.max(facts.retryAfterMs, REANNOUNCE_AFTER_MS);
    return now - Date.parse(facts.announcedAt) >= lostAfter ? { kind: "announce" } : { kind: "none" };
  }
  if (now - facts.startedAt.getTime() >= facts.deadlineMs) {
    if (stored > 0 && facts.partialAllowed) return { kind: "finish-partial", missingBatches: missing };
    const seconds = Math.round(facts.deadlineMs / 100) / 10;
    return {
      kind: "fail",
      reason: `the search did not finish within ${seconds} s: ${missing.length} of ${search.batchCount} batches are missing` + (stored > 0 ? " (partial results are not allowed)" : ""),
    };
  }
  if (stored > counted) return { kind: "reconcile" };
  const lanes = search.lanes;
  const leaves: { leaf: DispatcherNode; batches: number[] }[] = [];
  const missingSet = new Set(missing);
  // facts.leaves is in leaf order: index j is leaf number j.
  facts.leaves.forEach((state, j) => {
    const batches: number[] = [];
    for (let b = state.leaf.firstBatch; b < state.leaf.firstBatch + state.leaf.batchCount; b++) if (missingSet.has(b)) batches.push(b);
    if (batches.length === 0) return;
    const since = state.dispatchedAt ? Date.parse(state.dispatchedAt) : facts.startedAt.getTime();
    if (now - since < facts.retryAfterMs) return;
    // A later-wave leaf that was never dispatched waits for its predecessor to complete.
    if (!state.dispatchedAt && lanes !== undefined && j >= lanes) {
      const predecessor = facts.leaves[j - lanes];
      if (predecessor && predecessor.done < predecessor.leaf.batchCount) return;
    }
    leaves.push({ leaf: state.leaf, batches });
  });
  return leaves.length > 0 ? { kind: "retry", leaves } : { kind: "none" };
}
