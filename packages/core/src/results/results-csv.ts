import type { ResultsDocument } from "./results-document.ts";

/** The columns of {@link resultsCsv}, in order. */
export const RESULTS_CSV_COLUMNS = [
  "rank", "name", "publishedName", "slideCode", "gender", "objective", "anatomicalArea", "alignmentSpace", "channel",
  "matchingPixels", "matchingRatio", "mirrored", "sourcePath",
] as const;

/**
 * The ranked matches as CSV (RFC 4180, CRLF line ends, a header row), one row per match, for a
 * spreadsheet. Unknown metadata is an empty field; ratios keep every digit.
 *
 * @example
 * await writeFile("results.csv", resultsCsv(document));
 */
export function resultsCsv(document: ResultsDocument): string {
  const rows = document.results.map((r) => RESULTS_CSV_COLUMNS.map((c) => csvField(r[c])));
  return [RESULTS_CSV_COLUMNS.join(","), ...rows.map((row) => row.join(","))].join("\r\n") + "\r\n";
}

function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
