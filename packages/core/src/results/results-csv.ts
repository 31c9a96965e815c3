import { csvCell } from "../text/csv-cell.ts";
import type { ResultsDocument } from "./results-document.ts";

/** The columns of {@link resultsCsv}, in order. */
export const RESULTS_CSV_COLUMNS = [
  "rank", "name", "publishedName", "slideCode", "gender", "objective", "anatomicalArea", "alignmentSpace", "channel",
  "matchingPixels", "matchingRatio", "mirrored", "sourcePath", "library",
] as const;

/** The columns a search ranked by shape adds (`cds search --rank shape`, sidecar `rank: "shape"`). */
export const RESULTS_CSV_SHAPE_COLUMNS = ["shapeScore", "gradientAreaGap", "highExpressionArea", "normalizedScore"] as const;

/**
 * The ranked matches as CSV (RFC 4180, CRLF line ends, a header row), one row per match, for a
 * spreadsheet; a search ranked by shape adds its shape scores. Unknown metadata is an empty
 * field; ratios keep every digit; a name a spreadsheet would run as a formula is text.
 *
 * @example
 * await writeFile("results.csv", resultsCsv(document));
 */
export function resultsCsv(document: ResultsDocument): string {
  const columns = document.shape ? [...RESULTS_CSV_COLUMNS, ...RESULTS_CSV_SHAPE_COLUMNS] : RESULTS_CSV_COLUMNS;
  const rows = document.results.map((r) => columns.map((c) => csvField(r[c])));
  return [columns.join(","), ...rows.map((row) => row.join(","))].join("\r\n") + "\r\n";
}

function csvField(value: string | number | boolean | null | undefined): string {
  return value === null || value === undefined ? "" : csvCell(value);
}
