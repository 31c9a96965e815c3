import { resultsCsv } from "./results-csv.ts";
import type { ResultsDocument } from "./results-document.ts";
import { renderResultsPage, type ResultsPageInput } from "./results-page.ts";

/** Everything a finished search writes, paths relative to one folder. */
export interface ResultsFileSet {
  jsonKey: string;
  csvKey: string;
  htmlKey: string;
  /** The JSON, the CSV, the page's images and the page, in that order. */
  files: { path: string; bytes: Uint8Array }[];
}

/**
 * The files of a finished search, named from `base` (a search id, or `results` for
 * `results.json`): `<base>.json` (the document), `<base>.csv`, `<base>.html` (the comparison
 * page, linking the other two) and the page's images under `<base>-files/`. The pipeline's
 * combiner and `cds search` both write exactly these, so one reader opens either.
 *
 * @example
 * const set = resultsFileSet(document, "s1", { maskImage, matchImages });
 * for (const file of set.files) await store.put(file.path, file.bytes);
 */
export function resultsFileSet(document: ResultsDocument, base: string, page: Omit<ResultsPageInput, "links" | "assetFolder">): ResultsFileSet {
  const encode = (text: string) => new TextEncoder().encode(text);
  const jsonKey = `${base}.json`;
  const csvKey = `${base}.csv`;
  const htmlKey = `${base}.html`;
  const leaf = (key: string) => key.split("/").pop() ?? key;
  const folder = `${leaf(base)}-files`;
  const rendered = renderResultsPage(document, { ...page, assetFolder: folder, links: { json: leaf(jsonKey), csv: leaf(csvKey) } });
  const prefix = base.includes("/") ? base.slice(0, base.lastIndexOf("/") + 1) : "";
  return {
    jsonKey,
    csvKey,
    htmlKey,
    files: [
      { path: jsonKey, bytes: encode(`${JSON.stringify(document, null, 2)}\n`) },
      { path: csvKey, bytes: encode(resultsCsv(document)) },
      ...rendered.files.map((f) => ({ path: `${prefix}${f.path}`, bytes: f.bytes })),
      { path: htmlKey, bytes: encode(rendered.html) },
    ],
  };
}
