import { join } from "node:path";
import type { SubmissionProgress } from "@cds/core/submission";
import { renderTable } from "./table.ts";

/**
 * The table a finished (or inspected) submission ends with: one row per mask — status, its best
 * match and that match's score (matching pixels), and where its results page is — then the
 * rejected masks, the reasons of failures and refusals, and the summary files. Results are
 * shown under `resultsAt`: a folder, or a function giving a key's location (a stage's
 * `s3://<results bucket>/<key>`, which a path join would mangle).
 *
 * @example
 * for (const line of submissionSummaryLines(progress, join(root, "results"))) io.out(line);
 * for (const line of submissionSummaryLines(progress, (key) => `s3://lab-results/${key}`)) io.out(line);
 */
export function submissionSummaryLines(progress: SubmissionProgress, resultsAt: string | ((key: string) => string)): string[] {
  const at = typeof resultsAt === "string" ? (key: string) => join(resultsAt, key) : resultsAt;
  const rows = progress.masks.map((mask) => [
    mask.name,
    mask.state,
    mask.topMatch?.name ?? "",
    mask.topMatch ? String(mask.topMatch.matchingPixels) : "",
    mask.htmlKey ? at(mask.htmlKey) : "",
  ]);
  for (const rejected of progress.rejected) rows.push([rejected.name, "rejected", "", "", ""]);
  const lines = renderTable(["mask", "status", "top match", "score", "results"], rows);
  const reasons = [
    ...progress.masks.filter((mask) => mask.state === "failed").map((mask) => `  ${mask.name} failed: ${mask.reason ?? "no reason recorded"}`),
    ...progress.rejected.map((rejected) => `  ${rejected.name} (${rejected.file}) rejected: ${rejected.reason}`),
  ];
  if (reasons.length > 0) lines.push("", "why:", ...reasons);
  const { counts } = progress;
  lines.push(
    "",
    `${counts.completed} of ${counts.masks} masks completed, ${counts.failed} failed` + (counts.rejected > 0 ? `, ${counts.rejected} rejected before upload` : ""),
  );
  if (progress.summaryKey && progress.summaryCsvKey) {
    lines.push(`summary: ${at(progress.summaryCsvKey)} (CSV), ${at(progress.summaryKey)} (JSON)`);
  }
  return lines;
}
