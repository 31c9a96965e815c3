import { CdsError } from "../errors.ts";
import { RESULTS_DOCUMENT_VERSION, type ResultEntry, type ResultsDocument } from "./results-document.ts";

/** A file is not a results document this version can read. */
export class ResultsDocumentError extends CdsError {
  override name = "ResultsDocumentError";
}

/** The largest results document read (400 matches are ~250 KB; `--all` on a big library more). */
export const MAX_RESULTS_DOCUMENT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a results document from its JSON text: version 2 as written now, version 1 (the
 * pipeline's before) and the unversioned document `cds search --out` wrote before, each brought
 * to version 2. Checks the fields a reader relies on, never echoing the file's content.
 *
 * @example
 * const document = parseResultsDocument(await readFile("results.json", "utf8"), "results.json");
 */
export function parseResultsDocument(text: string, source: string): ResultsDocument {
  if (text.length > MAX_RESULTS_DOCUMENT_BYTES) throw new ResultsDocumentError(`${source} is larger than ${MAX_RESULTS_DOCUMENT_BYTES / 2 ** 20} MiB; not a results document`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ResultsDocumentError(`${source} is not JSON; expected a results document written by cds search --out or the pipeline`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ResultsDocumentError(`${source} is not a results document (not a JSON object)`);
  const value = parsed as Record<string, unknown>;
  const document = value.version === undefined && Array.isArray(value.matches) ? fromLegacySearch(value) : value;
  if (document.version === 1) document.version = RESULTS_DOCUMENT_VERSION;
  if (document.version !== RESULTS_DOCUMENT_VERSION) {
    throw new ResultsDocumentError(`${source} is a results document of version ${JSON.stringify(document.version)}; this cds reads versions 1 and ${RESULTS_DOCUMENT_VERSION}`);
  }
  const missing = ["searchId", "mask", "library", "parameters", "results"].filter((k) => document[k] === undefined);
  if (missing.length > 0 || !Array.isArray(document.results)) {
    throw new ResultsDocumentError(`${source} is not a results document: ${missing.length > 0 ? `no ${missing.join(", ")}` : "results is not a list"}`);
  }
  (document.results as unknown[]).forEach((r, i) => {
    const entry = r as Partial<ResultEntry> | null;
    if (!entry || typeof entry.name !== "string" || !Number.isInteger(entry.matchingPixels) || typeof entry.matchingRatio !== "number" || typeof entry.mirrored !== "boolean") {
      throw new ResultsDocumentError(`${source}: result ${i + 1} lacks a name, matchingPixels, matchingRatio or mirrored`);
    }
  });
  // Written before searches covered several libraries: one library, every result in it.
  const library = document.library as { name?: unknown; count?: unknown; location?: unknown };
  const results = document.results as Partial<ResultEntry>[];
  if (typeof library.name === "string") {
    for (const r of results) r.library ??= library.name;
    document.libraries ??= [
      { name: library.name, count: library.count ?? 0, scored: document.scored ?? 0, matched: results.length, ...(typeof library.location === "string" ? { location: library.location } : {}) },
    ];
  }
  return document as unknown as ResultsDocument;
}

/** The document `cds search --out` wrote before version 2: flat matches, the mask as a path. */
function fromLegacySearch(old: Record<string, unknown>): Record<string, unknown> {
  const library = (old.library ?? {}) as { name?: string; location?: string; indexed?: boolean; targets?: number };
  const maskPath = String(old.mask ?? "mask");
  const matches = old.matches as Record<string, unknown>[];
  const nullable = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    version: RESULTS_DOCUMENT_VERSION,
    searchId: `local-${maskPath.split(/[\\/]/).pop()}`,
    createdAt: new Date(0).toISOString(),
    mask: { name: maskPath.split(/[\\/]/).pop() ?? maskPath, key: maskPath, ...(typeof old.maskSize === "number" ? { maskSize: old.maskSize } : {}) },
    library: { name: library.name ?? "library", count: library.targets ?? 0, ...(library.location ? { location: library.location } : {}), indexed: library.indexed ?? true },
    parameters: old.parameters,
    scored: old.scored ?? 0,
    elapsedMs: old.elapsedMs ?? 0,
    partial: false,
    matchCount: matches.length,
    results: matches.map((m, i) => ({
      rank: typeof m.rank === "number" ? m.rank : i + 1,
      index: m.index,
      name: m.name,
      sourcePath: m.sourcePath,
      publishedName: nullable(m.publishedName),
      slideCode: nullable(m.slideCode),
      gender: nullable(m.gender),
      objective: nullable(m.objective),
      anatomicalArea: nullable(m.anatomicalArea),
      alignmentSpace: nullable(m.alignmentSpace),
      channel: nullable(m.channel),
      matchingPixels: m.matchingPixels,
      matchingRatio: m.matchingRatio,
      mirrored: m.mirrored,
      normalizedScore: m.matchingPixels,
    })),
  };
}
