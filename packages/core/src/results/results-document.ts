import { ParameterError } from "../errors.ts";
import { libraryOfIndex } from "../library/library-union.ts";
import { compareMatches, type TargetMatch } from "../search/ranking.ts";
import type { ShapeRankedMatch } from "../shape/shape-ranking.ts";
import type { SearchParams } from "../search-params.ts";

/**
 * Version of the {@link ResultsDocument} shape; raised when a field changes meaning or goes.
 * 2: one document for `cds search` and the pipeline (mask size, library location, skipped
 * targets and run statistics added, all optional; with `cds search --rank shape`, the shape
 * stage's summary and each result's shape scores). `results-document.schema.json` beside this
 * file describes it.
 */
export const RESULTS_DOCUMENT_VERSION = 2;

/**
 * One ranked match as a results document lists it: the target's metadata (null where the
 * library does not know it, as NeuronBridge writes it) and its scores.
 */
export interface ResultEntry {
  /** 1 for the best match. */
  rank: number;
  /** The library the target is in (one of the document's `libraries`). */
  library: string;
  /** Position of the target in its library's order. */
  index: number;
  name: string;
  sourcePath: string;
  publishedName: string | null;
  slideCode: string | null;
  gender: string | null;
  objective: string | null;
  anatomicalArea: string | null;
  alignmentSpace: string | null;
  channel: string | null;
  matchingPixels: number;
  matchingRatio: number;
  mirrored: boolean;
  /**
   * NeuronBridge's custom search sets this to matchingPixels; kept for its clients. Ranked by
   * shape, it is the shape stage's normalized score (what the results are sorted by).
   */
  normalizedScore: number;
  /** With `--rank shape`, for the shape-scored targets: NeuronBridge's 2-D shape score parts. */
  gradientAreaGap?: number;
  highExpressionArea?: number;
  shapeScore?: number;
  /** The shape score's own mirrored flag (`mirrored` is the pixel match's). */
  shapeMirrored?: boolean;
}

/** The second, shape stage of a search ranked by shape (`cds search --rank shape`). */
export interface ResultsShapeRank {
  /** Lines (publishedNames) kept for shape scoring, and the targets they hold. */
  topLines: number;
  shortlisted: number;
  elapsedMs: number;
  /** Which colour LUT the shape scores used. */
  lut: string;
}

/**
 * The JSON document a finished search writes: what was searched, how, whether every batch
 * was counted, and the ranked matches.
 */
export interface ResultsDocument {
  version: typeof RESULTS_DOCUMENT_VERSION;
  searchId: string;
  /** When the document was built, ISO 8601. */
  createdAt: string;
  mask: ResultsMask;
  /** What was searched; for several libraries, their names joined by "," and their total count. */
  library: ResultsLibrary;
  /** Each searched library, in the order named, with the targets it has, scored and matched. */
  libraries: ResultsLibraryCount[];
  parameters: SearchParams;
  /** Targets actually scored; below `library.count` when batches are missing. */
  scored: number;
  elapsedMs: number;
  /** True when some batches never reported: the ranking covers only the rest. */
  partial: boolean;
  /** Batch ids that never reported, ascending; present only when `partial`. */
  missingBatches?: number[];
  /** Targets that could not be read (a raw folder search); absent when none were. */
  skipped?: { sourcePath: string; reason: string }[];
  /** How a local search ran: for benchmarks and for sizing machines. */
  stats?: { workers: number; objectsRead: number; peakRssMiB: number };
  /** Present when the results are ranked by shape: they are then in normalizedScore order. */
  shape?: ResultsShapeRank;
  matchCount: number;
  results: ResultEntry[];
}

/** The searched mask: its file name as uploaded, and where it is stored. */
export interface ResultsMask {
  /** The mask's own file name (the upload's, not an internal key). */
  name: string;
  /** Storage key of the uploaded mask (pipeline), or the path given to `cds search`. */
  key: string;
  /** Mask pixels counted (above the threshold, outside the label regions). */
  maskSize?: number;
  width?: number;
  height?: number;
}

/** The searched library. */
export interface ResultsLibrary {
  name: string;
  /** Targets in the library. */
  count: number;
  /** Where the library's original images are (a folder or URL); target `sourcePath`s are relative to it. */
  location?: string;
  /** False for a raw folder searched without an index. */
  indexed?: boolean;
}

/** One searched library's counts: a search may cover several, ranked as one. */
export interface ResultsLibraryCount {
  name: string;
  /** Targets in the library. */
  count: number;
  /** Targets of it scored (below `count` when batches are missing). */
  scored: number;
  /** Results from this library. */
  matched: number;
  location?: string;
}

/** A searched library as {@link buildResultsDocument} takes it: where its items start in the search's numbering. */
export type ResultsLibraryPart = Omit<ResultsLibraryCount, "matched"> & { firstItem: number };

/** What {@link buildResultsDocument} needs; `createdAt` is passed in so building stays pure. */
export interface ResultsDocumentInput {
  searchId: string;
  createdAt: string;
  mask: ResultsMask;
  library: ResultsLibrary;
  /**
   * The libraries searched, when there are several: match indices are then in the search's
   * numbering (see `LibraryPart`). Absent: the one `library`, every target scored in it.
   */
  libraries?: readonly ResultsLibraryPart[];
  parameters: SearchParams;
  /** The global ranking, e.g. from `combineBatchResults`; with `shape`, already in shape order. */
  matches: readonly (TargetMatch | ShapeRankedMatch)[];
  scored: number;
  elapsedMs: number;
  partial: boolean;
  missingBatches?: readonly number[];
  skipped?: readonly { sourcePath: string; reason: string }[];
  stats?: { workers: number; objectsRead: number; peakRssMiB: number };
  /** The shape stage, when the matches were re-ranked by shape: their order is then kept. */
  shape?: ResultsShapeRank;
}

/**
 * Builds the results document of a search from its combined ranking. Ranks follow the
 * ranking order (more matching pixels first, ties by library index) whatever order the
 * matches come in. A document that is not partial cannot name missing batches.
 *
 * @example
 * const document = buildResultsDocument({
 *   searchId, createdAt: new Date().toISOString(),
 *   mask: { name: "my-mask.png", key: "searches/s1/mask.png" },
 *   library: { name: "FlyLight_Gen1_MCFO", count: 350_000 },
 *   parameters, matches: combineBatchResults(batches), scored, elapsedMs,
 *   partial: missing.length > 0, missingBatches: missing,
 * });
 * await store.put(`results/${searchId}.json`, JSON.stringify(document));
 */
export function buildResultsDocument(input: ResultsDocumentInput): ResultsDocument {
  const missing = [...new Set(input.missingBatches ?? [])].sort((a, b) => a - b);
  if (!input.partial && missing.length > 0) {
    throw new ParameterError(
      "missingBatches",
      `a complete search cannot have missing batches (${missing.join(", ")}); set partial: true`,
    );
  }
  // Sorting a copy costs little (a ranking is at most a few hundred entries) and makes
  // `rank` mean the same thing whoever assembled the list. A shape ranking's order is its own.
  const ranked = input.shape ? [...input.matches] : [...input.matches].sort(compareMatches);
  const parts = input.libraries ?? [{ name: input.library.name, count: input.library.count, scored: input.scored, location: input.library.location, firstItem: 0 }];
  const results = ranked.map((match, position) => {
    const { part, index } = libraryOfIndex(parts, match.index);
    return resultEntry(match, position, parts[part].name, index);
  });
  return {
    version: RESULTS_DOCUMENT_VERSION,
    searchId: input.searchId,
    createdAt: input.createdAt,
    mask: definedFields(input.mask),
    library: definedFields(input.library),
    libraries: parts.map(({ name, count, scored, location }) =>
      definedFields({ name, count, scored, matched: results.filter((r) => r.library === name).length, location }),
    ),
    parameters: structuredClone(input.parameters),
    scored: input.scored,
    elapsedMs: Math.round(input.elapsedMs),
    partial: input.partial,
    ...(input.partial ? { missingBatches: missing } : {}),
    ...(input.skipped && input.skipped.length > 0 ? { skipped: input.skipped.map((s) => ({ sourcePath: s.sourcePath, reason: s.reason })) } : {}),
    ...(input.stats ? { stats: { ...input.stats } } : {}),
    ...(input.shape ? { shape: { ...input.shape } } : {}),
    matchCount: results.length,
    results,
  };
}

function resultEntry(match: TargetMatch | ShapeRankedMatch, position: number, library: string, index: number): ResultEntry {
  const { item } = match;
  const shape = "shapeScore" in match ? match : undefined;
  return {
    rank: position + 1,
    library,
    index,
    name: item.name,
    sourcePath: item.sourcePath,
    publishedName: item.publishedName ?? null,
    slideCode: item.slideCode ?? null,
    gender: item.gender ?? null,
    objective: item.objective ?? null,
    anatomicalArea: item.anatomicalArea ?? null,
    alignmentSpace: item.alignmentSpace ?? null,
    channel: item.channel ?? null,
    matchingPixels: match.matchingPixels,
    matchingRatio: match.matchingRatio,
    mirrored: match.mirrored,
    normalizedScore: shape ? shape.normalizedScore : match.matchingPixels,
    ...(shape
      ? { gradientAreaGap: shape.gradientAreaGap, highExpressionArea: shape.highExpressionArea, shapeScore: shape.shapeScore, shapeMirrored: shape.shapeMirrored }
      : {}),
  };
}

/** A copy without the keys whose value is undefined, so the JSON has no `null` it did not mean. */
function definedFields<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
