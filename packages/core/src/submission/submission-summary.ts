import type { SubmissionItem } from "../entities/submission.ts";
import type { SubmissionMaskItem } from "../entities/submission-mask.ts";
import { TOP_MATCHES_REPORTED } from "../results/top-matches.ts";
import { csvCell } from "../text/csv-cell.ts";

/** Version of the {@link SubmissionSummary} shape; raised when a field changes meaning or goes. */
export const SUBMISSION_SUMMARY_VERSION = 1;

/** One match of one mask in a summary. */
export interface SummaryMatch {
  /** 1 for the mask's best match. */
  rank: number;
  name: string;
  matchingPixels: number;
  matchingRatio: number;
  mirrored: boolean;
}

/** One mask of a summary: how its search ended and its best matches. */
export interface SummaryMask {
  position: number;
  name: string;
  file: string;
  maskId: string;
  searchId?: string;
  status: "completed" | "failed";
  matchCount?: number;
  partial?: boolean;
  /** The search's results document and page, keys in the results bucket. */
  results?: string;
  page?: string;
  reason?: string;
  topMatches: SummaryMatch[];
}

/** The summary results file of a whole submission (`submissions/<submissionId>.json`). */
export interface SubmissionSummary {
  version: typeof SUBMISSION_SUMMARY_VERSION;
  submissionId: string;
  library: string;
  createdAt: string;
  completedAt: string;
  elapsedMs: number;
  counts: { masks: number; completed: number; failed: number; rejected: number };
  masks: SummaryMask[];
  /** Masks refused before upload (they never became searches), with the reason. */
  rejected: { name: string; file: string; reason: string }[];
}

/**
 * The keys of a submission's summary files in the results bucket.
 *
 * @example
 * summaryKeysOf("sub-5b0c") // { json: "submissions/sub-5b0c.json", csv: "submissions/sub-5b0c.csv" }
 */
export function summaryKeysOf(submissionId: string): { json: string; csv: string } {
  return { json: `submissions/${submissionId}.json`, csv: `submissions/${submissionId}.csv` };
}

/**
 * Builds a submission's summary from its record and its masks' recorded outcomes (pure).
 *
 * @example
 * const summary = buildSubmissionSummary(submission, masks, new Date().toISOString());
 */
export function buildSubmissionSummary(submission: SubmissionItem, masks: readonly SubmissionMaskItem[], completedAt: string): SubmissionSummary {
  const summaryMasks: SummaryMask[] = [...masks]
    .sort((a, b) => a.position - b.position)
    .map((mask) => ({
      position: mask.position,
      name: mask.name,
      file: mask.sourceFile,
      maskId: mask.maskId,
      ...(mask.searchId ? { searchId: mask.searchId } : {}),
      status: mask.outcome === "completed" ? "completed" : "failed",
      ...(mask.matchCount === undefined ? {} : { matchCount: mask.matchCount }),
      ...(mask.partial ? { partial: true } : {}),
      ...(mask.resultsKey ? { results: mask.resultsKey } : {}),
      ...(mask.htmlKey ? { page: mask.htmlKey } : {}),
      ...(mask.failureReason ? { reason: mask.failureReason } : {}),
      topMatches: (mask.topMatches ?? []).slice(0, TOP_MATCHES_REPORTED).map((match, i) => ({ rank: i + 1, ...match })),
    }));
  const completed = summaryMasks.filter((mask) => mask.status === "completed").length;
  return {
    version: SUBMISSION_SUMMARY_VERSION,
    submissionId: submission.submissionId,
    library: submission.library,
    createdAt: submission.createdAt,
    completedAt,
    elapsedMs: Math.max(0, Date.parse(completedAt) - Date.parse(submission.createdAt)),
    counts: { masks: summaryMasks.length, completed, failed: summaryMasks.length - completed, rejected: submission.rejected.length },
    masks: summaryMasks,
    rejected: submission.rejected.map((r) => ({ name: r.name, file: r.file, reason: r.reason })),
  };
}

const CSV_COLUMNS = ["position", "mask", "file", "status", "search_id", "rank", "target", "matching_pixels", "matching_ratio", "mirrored", "results", "reason"];

/**
 * The summary as CSV (RFC 4180, CRLF line ends, a header row; a text cell a spreadsheet would
 * run as a formula is written as text: {@link csvCell}): one row per top match of each
 * mask, one row for a mask without matches, and one per rejected mask.
 *
 * @example
 * await results.put(summaryKeysOf(id).csv, new TextEncoder().encode(submissionSummaryCsv(summary)));
 */
export function submissionSummaryCsv(summary: SubmissionSummary): string {
  const rows: (string | number | boolean)[][] = [CSV_COLUMNS];
  for (const mask of summary.masks) {
    const head = [mask.position, mask.name, mask.file, mask.status, mask.searchId ?? ""];
    const tail = [mask.results ?? "", mask.reason ?? ""];
    if (mask.topMatches.length === 0) rows.push([...head, "", "", "", "", "", ...tail]);
    for (const m of mask.topMatches) rows.push([...head, m.rank, m.name, m.matchingPixels, m.matchingRatio, m.mirrored, ...tail]);
  }
  for (const r of summary.rejected) rows.push(["", r.name, r.file, "rejected", "", "", "", "", "", "", "", r.reason]);
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
