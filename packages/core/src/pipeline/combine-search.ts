import type { RgbImage } from "../image/rgb-image.ts";
import { decodeImage } from "../image/decode-image.ts";
import type { ItemMetadata } from "../library/item-metadata.ts";
import { layoutOf, readItemMetadata, readManifest, type LibraryDescriptor } from "../library/library-manifest.ts";
import { libraryOfIndex, libraryParts, unionLayout, unionStore, type LibraryPart } from "../library/library-union.ts";
import { planLibraryBatchRules, type BatchPlanOptions } from "../planning/batch-plan.ts";
import type { SearchItem } from "../entities/search.ts";
import type { DispatchTreeOptions } from "../planning/dispatch-tree.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import { combineBatchResults } from "../results/combine-batches.ts";
import { buildResultsDocument, type ResultsDocument, type ResultsShapeRank } from "../results/results-document.ts";
import { maskNameOf } from "../results/mask-name.ts";
import { resultsFileSet } from "../results/results-files.ts";
import { TOP_MATCHES_REPORTED } from "../results/top-matches.ts";
import { matchesToShow } from "../results/results-page.ts";
import type { TargetMatch } from "../search/ranking.ts";
import { prepareShapeQuery } from "../shape/prepared-shape-query.ts";
import { defaultShapeParams } from "../shape/shape-params.ts";
import type { ShapeRankedMatch } from "../shape/shape-ranking.ts";
import { rankLibraryMatchesByShape } from "../shape/shape-stage.ts";
import { rainbowLut, type Lut } from "../image/rainbow-lut.ts";
import type { StateStore } from "../state/service.ts";
import { IllegalStatusTransitionError, SearchNotFoundError } from "../state/state-errors.ts";
import type { LibraryStores, SourceImageReader } from "./pipeline-ports.ts";
import { specOfSearch } from "./search-job.ts";
import { searchedDescriptors, treeOfSearch } from "./plan-search.ts";

/** What the combiner needs. */
export interface CombineSearchDeps {
  state: Pick<StateStore, "getSearch" | "listBatchResults" | "markSearchCompleted">;
  uploads: BlobStore;
  libraries: LibraryStores;
  /** Where `<searchId>.json` and `<searchId>.html` go. */
  results: BlobStore;
  /** Original target images for the page; without it every match shows a placeholder. */
  sourceImages?: SourceImageReader;
  /**
   * The colour-depth LUT of the shape stage (searches ranked by shape) and what to call it in
   * the results; default the built-in approximation of PsychedelicRainBow2.
   */
  shapeLut?: { lut: Lut; source: string };
  /** Must be the options dispatch planned the tree with: batch results are stored by leaf. */
  dispatchTree?: DispatchTreeOptions;
  /** Must be the options intake planned with: a batch's library follows from its id. */
  batchPlan?: BatchPlanOptions;
  now?: () => Date;
}

/** A combined search: where its results went and what the completion event says. */
export interface CombinedSearch {
  searchId: string;
  document: ResultsDocument;
  resultsKey: string;
  htmlKey: string;
  /** The mask's own file name and the library, for notifications. */
  maskName: string;
  library: string;
  /** The best matches for the event, best first. */
  topMatches: { name: string; matchingPixels: number; matchingRatio: number; mirrored: boolean }[];
}

/**
 * Combiner: merges a running search's batch results into the global ranking (then, for a search
 * ranked by shape, re-ranks its best lines by shape), writes the results document and its HTML
 * page, and marks the search completed. Resolves undefined when the search
 * is not running (already combined, or failed): nothing to announce.
 *
 * @example
 * const combined = await combineSearch(searchId, { state, uploads, libraries, results });
 * if (combined) await publish(searchCompletedEntry(combined));
 */
export async function combineSearch(searchId: string, deps: CombineSearchDeps): Promise<CombinedSearch | undefined> {
  const search = await deps.state.getSearch(searchId);
  if (!search) throw new SearchNotFoundError(searchId);
  if (search.status !== "running") return undefined;
  const now = deps.now ?? (() => new Date());
  const { params, top, shape } = specOfSearch(search);
  // One read of every batch result, every leaf partition in parallel; it also says what is missing.
  const { results: batches, missingBatches: missing } = await deps.state.listBatchResults(searchId, treeOfSearch(search, deps.dispatchTree));
  // The libraries as the search was accepted on them, however often they were updated since.
  const descriptors = await searchedDescriptors(search, deps.libraries);
  const stores = descriptors.map((d) => deps.libraries(d.name));
  const parts = libraryParts(descriptors);
  // Ranked by shape, every match takes part: the stage shortlists whole lines from all of them.
  const ranked = combineBatchResults(batches.map((b) => b.matches), { top: shape ? Infinity : top });
  // Item metadata only for the matches kept (all of them when ranked by shape: lines group by
  // publishedName): the chunks holding them, per library, in parallel.
  const items = await itemsOf(ranked.map((m) => m.index), parts, descriptors, stores);
  const pixelMatches: TargetMatch[] = ranked.map((m) => ({ ...m, item: items.get(m.index)! }));
  const maskImage = await decodeImage(await deps.uploads.get(search.maskKey), { name: search.maskKey });
  const staged = shape
    ? await shapeStage(stores, descriptors, maskImage, pixelMatches, { minMatchingPixRatio: params.minMatchingPixRatio, topLines: shape.topLines, lut: deps.shapeLut })
    : undefined;
  const matches = staged ? staged.ranked.slice(0, top) : pixelMatches;
  const createdAt = now();
  const scored = scoredPerLibrary(batches, search, descriptors, deps);
  const document = buildResultsDocument({
    searchId,
    createdAt: createdAt.toISOString(),
    mask: { name: maskNameOf(search), key: search.maskKey },
    library: { name: search.library, count: parts.reduce((n, p) => n + p.count, 0), ...(descriptors.length === 1 ? { location: descriptors[0].source.location } : {}) },
    libraries: descriptors.map((d, k) => ({ name: d.name, count: d.count, scored: scored[k], location: d.source.location, firstItem: parts[k].firstItem })),
    parameters: params,
    matches,
    scored: batches.reduce((n, b) => n + b.scored, 0),
    elapsedMs: Math.max(0, createdAt.getTime() - Date.parse(search.submittedAt)),
    partial: missing.length > 0,
    missingBatches: missing,
    ...(staged ? { shape: staged.summary } : {}),
  });
  // The JSON, the CSV, the page's images, then the page (so it never links an image not yet there).
  const files = resultsFileSet(document, searchId, { maskImage, matchImages: await shownImages(document, deps.sourceImages) });
  const resultsKey = files.jsonKey;
  for (const file of files.files) await deps.results.put(file.path, file.bytes);
  try {
    await deps.state.markSearchCompleted(searchId, { resultsKey, matchCount: document.matchCount, partial: document.partial, completedBatches: batches.length });
  } catch (error) {
    if (error instanceof IllegalStatusTransitionError) return undefined;
    throw error;
  }
  return combinedSearchOf(searchId, document);
}

/**
 * What a completed search's `Search Completed` event says, from its results document: the
 * combiner's own announcement, and the one the outbox publishes again after a crash (the same
 * detail, so a late announcement says what a timely one would have).
 *
 * @example
 * const combined = combinedSearchOf(search.searchId, JSON.parse(await results.get(search.resultsKey)));
 */
export function combinedSearchOf(searchId: string, document: ResultsDocument): CombinedSearch {
  const topMatches = document.results.slice(0, TOP_MATCHES_REPORTED).map((r) => ({
    name: r.name,
    matchingPixels: r.matchingPixels,
    matchingRatio: Math.min(1, r.matchingRatio),
    mirrored: r.mirrored,
  }));
  // The keys are the ones resultsFileSet wrote (`<searchId>.json`, `.html`), so a recovered announcement names them too.
  return { searchId, document, resultsKey: `${searchId}.json`, htmlKey: `${searchId}.html`, topMatches, maskName: document.mask.name, library: document.library.name };
}

/**
 * The second stage of a search ranked by shape, run by the combiner itself: the precompute's
 * selection (best `topLines` lines), each shortlisted target shape-scored from the shape data
 * beside its shard, sorted by normalizedScore. One invocation is enough: 300 lines take about
 * 1.5 s on one core (`npm run bench`), less than a second fan-out through workers would add.
 */
async function shapeStage(
  stores: BlobStore[],
  descriptors: LibraryDescriptor[],
  maskImage: RgbImage,
  matches: readonly TargetMatch[],
  options: { minMatchingPixRatio: number; topLines: number; lut?: { lut: Lut; source: string } },
): Promise<{ ranked: ShapeRankedMatch[]; summary: ResultsShapeRank }> {
  const started = performance.now();
  const lut = options.lut ?? { lut: rainbowLut(), source: "built-in" };
  const layouts = await Promise.all(stores.map(async (store, k) => layoutOf(await readManifest(store, descriptors[k].buildId))));
  const [store, layout] = stores.length === 1 ? [stores[0], layouts[0]] : [unionStore(stores), unionLayout(layouts)];
  const prepared = prepareShapeQuery(maskImage, defaultShapeParams, lut.lut);
  const { ranked, shortlisted } = await rankLibraryMatchesByShape(store, layout, prepared, matches, options);
  return { ranked, summary: { topLines: options.topLines, shortlisted, elapsedMs: Math.round(performance.now() - started), lut: lut.source } };
}

/** Item metadata of matches numbered across the search's libraries, each read from its own library. */
async function itemsOf(indices: number[], parts: LibraryPart[], descriptors: LibraryDescriptor[], stores: BlobStore[]): Promise<Map<number, ItemMetadata>> {
  const wanted = parts.map(() => [] as number[]);
  for (const index of indices) {
    const { part, index: own } = libraryOfIndex(parts, index);
    wanted[part].push(own);
  }
  const found = new Map<number, ItemMetadata>();
  await Promise.all(
    wanted.map(async (own, k) => {
      if (own.length === 0) return;
      for (const [index, item] of await readItemMetadata(stores[k], descriptors[k], own)) found.set(index + parts[k].firstItem, item);
    }),
  );
  return found;
}

/** Targets scored per library: a batch's library follows from its id (batches are numbered library by library). */
function scoredPerLibrary(batches: readonly { batchId: number; scored: number }[], search: SearchItem, descriptors: LibraryDescriptor[], deps: CombineSearchDeps): number[] {
  if (descriptors.length === 1) return [batches.reduce((n, b) => n + b.scored, 0)];
  const rules = planLibraryBatchRules(descriptors, deps.batchPlan);
  const ends = rules.map((_, k) => rules.slice(0, k + 1).reduce((n, r) => n + r.batchCount, 0));
  const scored = descriptors.map(() => 0);
  for (const b of batches) scored[ends.findIndex((end) => b.batchId < end)] += b.scored;
  return scored;
}

/** The original images of the shown matches that can still be read; the rest get placeholders. */
async function shownImages(document: ResultsDocument, reader?: SourceImageReader): Promise<Map<string, RgbImage>> {
  const images = new Map<string, RgbImage>();
  if (!reader) return images;
  for (const result of matchesToShow(document)) {
    const location = document.libraries.find((l) => l.name === result.library)?.location;
    if (location === undefined) continue;
    try {
      const bytes = await reader.read(location, result.sourcePath);
      if (bytes) images.set(result.name, await decodeImage(bytes, { name: result.sourcePath }));
    } catch {
      // A moved or damaged original costs the page one picture, not the search.
    }
  }
  return images;
}
