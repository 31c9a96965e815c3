/**
 * Characters that make a spreadsheet read a cell as a formula (`=`, `+`, `-`, `@`) or that some
 * spreadsheets strip before doing so (tab, carriage return). A cell from a user's file name or a
 * sidecar that starts with one could run `=HYPERLINK(…)` or a DDE command when the summary CSV
 * is opened.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break; a text cell that a
 * spreadsheet would take for a formula gets a leading `'`, so it is shown as text. Numbers and
 * booleans are written as they are (a negative number is data, not a formula).
 *
 * @example
 * csvCell("=HYPERLINK(\"http://x\")"); // "\"'=HYPERLINK(\"\"http://x\"\")\""
 * csvCell(-3);                        // "-3"
 */
export function csvCell(value: string | number | boolean): string {
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== String(value) ? `"${text.replace(/"/g, '""')}"` : text;
}
