import { availableParallelism } from "node:os";
import { ImageSizeMismatchError } from "@cds/core";
import type { RgbImage } from "@cds/core/image";
import {
  chunks,
  layoutOf,
  type LibraryLayout,
  type LibraryManifest,
  unionLayout,
  type SkippedImage,
} from "@cds/core/library";
import { mergeRankings, type SearchParams, type TargetMatch } from "@cds/core/search";
import { commonImageSize } from "./library-indexer.ts";
import { listLibrarySource } from "./library-source.ts";
import { WorkerPool } from "./worker-pool.ts";

/** What every search worker is started with. */
export interface SearchWorkerInit {
  mask: RgbImage;
  params: SearchParams;
  keepAll: boolean;
  /** One library (one root), or several searched as one (a root each; the layout is their union). */
  library: { kind: "indexed"; roots: string[]; layout: LibraryLayout } | { kind: "raw" };
}

/** A unit of work: a range of indexed libraries (within library `part`), or a list of raw image files. */
export type SearchBatch =
  | { kind: "range"; start: number; end: number; part: number }
  | { kind: "files"; files: { index: number; sourcePath: string; absolutePath: string }[] };

export interface SearchBatchResult {
  /** Indices in the search's numbering (see `LibraryPart`). */
  matches: TargetMatch[];
  scored: number;
  objectsRead: number;
  skipped: SkippedImage[];
}

export type SearchTarget =
  | { kind: "indexed"; root: string; manifest: LibraryManifest }
  /** Several indexed libraries of one image size, ranked as one (`cds search --library a,b`). */
  | { kind: "union"; libraries: { root: string; manifest: LibraryManifest }[] }
  | { kind: "raw"; source: string };

export interface LocalSearchOptions {
  mask: RgbImage;
  params: SearchParams;
  library: SearchTarget;
  /** Worker threads (default: one per core). */
  workers?: number;
  /** Targets per batch (default: a run of whole shards for an index, see `shardRuns`; 50 images for a raw folder). */
  batchSize?: number;
  /** Keep only the best N matches (default: all). */
  top?: number;
  /** Return every scored target, matching or not. */
  keepAll?: boolean;
  onProgress?: (progress: { scored: number; total: number }) => void;
}

export interface LocalSearchResult {
  matches: TargetMatch[];
  /** Targets in the library (or readable images in the raw source). */
  total: number;
  scored: number;
  /** Targets scored in each library of the search, in order (one entry unless a union). */
  scoredByLibrary: number[];
  objectsRead: number;
  skipped: SkippedImage[];
  elapsedMs: number;
  workers: number;
}

/**
 * Searches a whole library on this machine with a pool of worker threads. The ranking does not
 * depend on the number of workers or the batch size: batches are merged and sorted by
 * matching pixels, ties by library index.
 *
 * @example
 * const { matches } = await runLocalSearch({ mask, params, library: { kind: "indexed", root, manifest } });
 */
export async function runLocalSearch(options: LocalSearchOptions): Promise<LocalSearchResult> {
  const started = performance.now();
  const wanted = Math.max(1, options.workers ?? availableParallelism());
  const { batches, total, init, parts } = await planLocalSearch(options, wanted);
  const workers = Math.min(wanted, batches.length);
  const pool = new WorkerPool<SearchBatch, SearchBatchResult, number>(
    new URL("./search-worker.ts", import.meta.url),
    workers,
    init,
  );
  let scored = 0;
  try {
    const results = await Promise.all(
      batches.map((batch) =>
        pool.run(batch, {
          onProgress: (n) => {
            scored += n;
            options.onProgress?.({ scored, total });
          },
        }),
      ),
    );
    const scoredByLibrary = new Array<number>(parts).fill(0);
    results.forEach((r, b) => {
      const batch = batches[b];
      scoredByLibrary[batch.kind === "range" ? batch.part : 0] += r.scored;
    });
    return {
      matches: mergeRankings(
        results.map((r) => r.matches),
        options.top,
      ),
      total,
      scored: results.reduce((n, r) => n + r.scored, 0),
      scoredByLibrary,
      objectsRead: results.reduce((n, r) => n + r.objectsRead, 0),
      skipped: results.flatMap((r) => r.skipped),
      elapsedMs: performance.now() - started,
      workers,
    };
  } finally {
    await pool.close();
  }
}

/**
 * Splits a library's shards into runs of consecutive shards, one batch each. A batch reads its
 * next shard while it scores the current one, so a one-shard batch would wait for every read;
 * runs of up to 8 shards keep that overlap, and at least 8 batches per worker keep the workers
 * evenly loaded to the end.
 */
export function shardRuns(shards: readonly { start: number; count: number }[], workers: number): { start: number; end: number }[] {
  const perBatch = Math.max(1, Math.min(8, Math.floor(shards.length / (8 * workers))));
  const runs: { start: number; end: number }[] = [];
  for (let i = 0; i < shards.length; i += perBatch) {
    const last = shards[Math.min(shards.length, i + perBatch) - 1];
    runs.push({ start: shards[i].start, end: last.start + last.count });
  }
  return runs;
}

async function planLocalSearch(options: LocalSearchOptions, workers: number) {
  const keepAll = options.keepAll ?? false;
  const { library } = options;
  if (library.kind !== "raw") {
    const libraries = library.kind === "indexed" ? [library] : library.libraries;
    const layouts = libraries.map((l) => layoutOf(l.manifest));
    const layout = layouts.length === 1 ? layouts[0] : unionLayout(layouts);
    const size = options.batchSize;
    // Batches stay within one library, so each library's scored count adds up on its own.
    const batches: SearchBatch[] = [];
    let firstItem = 0;
    for (const [part, own] of layouts.entries()) {
      const runs = size
        ? Array.from({ length: Math.ceil(own.count / size) }, (_, i) => ({ start: i * size, end: Math.min(own.count, (i + 1) * size) }))
        : shardRuns(own.shards, Math.max(1, Math.round((workers * own.count) / Math.max(1, layout.count))));
      for (const run of runs) batches.push({ kind: "range", start: run.start + firstItem, end: run.end + firstItem, part });
      firstItem += own.count;
    }
    const init: SearchWorkerInit = { mask: options.mask, params: options.params, keepAll, library: { kind: "indexed", roots: libraries.map((l) => l.root), layout } };
    return { batches, total: layout.count, init, parts: layouts.length };
  }
  const source = await listLibrarySource(library.source);
  const size = await commonImageSize(source.images);
  if (size.width !== options.mask.width || size.height !== options.mask.height) {
    throw new ImageSizeMismatchError(size, options.mask, `the mask (for the images in ${library.source})`);
  }
  const files = source.images.map((image, index) => ({ index, ...image }));
  const batches: SearchBatch[] = chunks(files, options.batchSize ?? 50).map((f) => ({ kind: "files" as const, files: f }));
  const init: SearchWorkerInit = { mask: options.mask, params: options.params, keepAll, library: { kind: "raw" } };
  return { batches, total: files.length, init, parts: 1 };
}
