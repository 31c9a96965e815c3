/**
 * Renders rows as an aligned plain-text table. Numeric columns are right-aligned.
 *
 * @example
 * renderTable(["target", "matchingPixels"], [["a.tif", 439]])
 */
export function renderTable(headers: string[], rows: (string | number | boolean)[][]): string[] {
  const cells = rows.map((row) => row.map((v) => String(v)));
  const numeric = headers.map((_, c) => cells.length > 0 && cells.every((row) => /^-?[\d.,]+( ?%)?$/.test(row[c])));
  const widths = headers.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (values: string[]) =>
    values
      .map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)];
}
