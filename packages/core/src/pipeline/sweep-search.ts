import type { SearchItem } from "../entities/search.ts";

/** What the sweeper should do about one search. */
export type SweepDecision =
  /** Nothing (yet): not running, too young, or everything stored and counted. */
  | { kind: "none" }
  /** Every batch is stored but the counter lags: recount it (that may complete the search). */
  | { kind: "reconcile" }
  /** Invoke workers again for these batches (a batch recorded twice counts once). */
  | { kind: "retry"; batches: number[] }
  /** Past the deadline with some batches stored: combine what exists, flagged partial. */
  | { kind: "finish-partial"; missingBatches: number[] }
  /** Past the deadline with nothing to show (or partial results not allowed): fail it. */
  | { kind: "fail"; reason: string };

/** What {@link decideSweep} weighs besides the search. */
export interface SweepFacts {
  /** Batches of the search with no stored result. */
  missingBatches: readonly number[];
  now: Date;
  /** When the search started running (its `startedAt`, else `submittedAt`). */
  startedAt: Date;
  /** Missing batches are re-run once the search (or the last re-run) is this old. */
  retryAfterMs: number;
  /** A search still missing batches this long after it started is finished or failed. */
  deadlineMs: number;
  /** Whether a search past its deadline may finish with partial results (else it fails). */
  partialAllowed: boolean;
  /** When this sweeper last re-ran the search's missing batches, if it did. */
  lastRetryAt?: Date;
}

/**
 * The sweeper's decision for one search (pure). A running search with missing batches gets them
 * re-run once it is `retryAfterMs` old (and again `retryAfterMs` after each re-run); past
 * `deadlineMs` it finishes as partial when at least one batch is stored, else it fails with a
 * reason a person understands. A search whose batches are all stored but whose counter lags is
 * reconciled.
 *
 * @example
 * decideSweep(search, { missingBatches: [3], now, startedAt, retryAfterMs: 60_000, deadlineMs: 400_000, partialAllowed: true })
 * // { kind: "retry", batches: [3] } one minute in; { kind: "finish-partial", missingBatches: [3] } after 400 s
 */
export function decideSweep(search: Pick<SearchItem, "status" | "batchCount" | "completedBatches">, facts: SweepFacts): SweepDecision {
  if (search.status !== "running") return { kind: "none" };
  const missing = [...facts.missingBatches];
  if (missing.length === 0) return search.completedBatches < search.batchCount ? { kind: "reconcile" } : { kind: "none" };
  const age = facts.now.getTime() - facts.startedAt.getTime();
  if (age >= facts.deadlineMs) {
    const stored = search.batchCount - missing.length;
    if (stored > 0 && facts.partialAllowed) return { kind: "finish-partial", missingBatches: missing };
    const seconds = Math.round(facts.deadlineMs / 100) / 10;
    return {
      kind: "fail",
      reason: `the search did not finish within ${seconds} s: ${missing.length} of ${search.batchCount} batches are missing` +
        (stored > 0 ? " (partial results are not allowed)" : ""),
    };
  }
  const since = Math.max(facts.startedAt.getTime(), facts.lastRetryAt?.getTime() ?? -Infinity);
  if (facts.now.getTime() - since >= facts.retryAfterMs) return { kind: "retry", batches: missing };
  return { kind: "none" };
}
