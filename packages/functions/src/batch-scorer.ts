import { decodeImage } from "@cds/core/image";
import { checkedShards } from "@cds/core/library";
import type { LibraryStores, SearchJob } from "@cds/core/pipeline";
import type { WorkerPayload } from "@cds/core/planning";
import type { BlobStore } from "@cds/core/ports";
import { prepareMask, type PreparedMask } from "@cds/core/scoring";
import { createSearchScratch, searchLibraryRange, type ScoredTarget } from "@cds/core/search";

/** One batch scored: its best `job.spec.top` matches (all of them when the search ranks by shape), best first, how many targets it scored, and the mask's size. */
export interface BatchScore {
  matches: ScoredTarget[];
  scored: number;
  maskSize: number;
}

/**
 * The worker's scoring port: scores one batch of a search. On Lambda it is
 * {@link inProcessBatchScorer} (the function's own CPU); the local runtime posts the batch to a
 * pool of worker threads, each of which runs an {@link inProcessBatchScorer} of its own.
 */
export interface BatchScorer {
  score(payload: WorkerPayload<SearchJob>): Promise<BatchScore>;
}

/** Where an {@link inProcessBatchScorer} reads masks and libraries, and how many it keeps warm. */
export interface InProcessBatchScorerDeps {
  uploads: BlobStore;
  libraries: LibraryStores;
  /** Prepared masks kept (default 4; a big mask's is ~10 MB and ~50 ms to build). */
  maskCacheSize?: number;
}

/**
 * Scores batches on the calling thread, keeping prepared masks (an LRU by search) and the shard
 * read buffer from one batch to the next: one scorer per container (a Lambda's module scope, a
 * pool thread) decodes each search's mask once. Not for concurrent calls on one scorer: they
 * would share the read buffer (a Lambda container and a pool thread run one batch at a time).
 *
 * @example
 * const scorer = inProcessBatchScorer({ uploads, libraries });
 * const { matches, scored } = await scorer.score(payload);
 */
export function inProcessBatchScorer(deps: InProcessBatchScorerDeps): BatchScorer {
  const masks = new Map<string, PreparedMask>();
  const size = Math.max(1, deps.maskCacheSize ?? 4);
  const scratch = createSearchScratch();

  async function preparedMask(job: SearchJob): Promise<PreparedMask> {
    // By search: one upload, one search, and its mask and spec never change (a re-upload under
    // the same key is another search, so its mask is never taken for this one's).
    const key = job.searchId;
    const cached = masks.get(key);
    if (cached) {
      masks.delete(key); // most recently used goes last
      masks.set(key, cached);
      return cached;
    }
    const prepared = prepareMask(await decodeImage(await deps.uploads.get(job.maskKey), { name: job.maskKey }), job.spec.params);
    while (masks.size >= size) masks.delete(masks.keys().next().value!);
    masks.set(key, prepared);
    return prepared;
  }

  return {
    async score({ batch, library, shards, job }) {
      const prepared = await preparedMask(job);
      const layout = { ...job.library, shards };
      const result = await searchLibraryRange(checkedShards(deps.libraries(library), shards), layout, prepared, batch.start, batch.end, {
        minMatchingPixRatio: job.spec.params.minMatchingPixRatio,
        scratch,
      });
      // What a batch result stores: the score and the library index (metadata is joined by the combiner).
      const keepAll = job.spec.shape !== undefined;
      const matches = result.matches.slice(0, keepAll ? undefined : job.spec.top).map(({ index, matchingPixels, matchingRatio, mirrored, maskSize }) => ({ index, matchingPixels, matchingRatio, mirrored, maskSize }));
      return { matches, scored: result.scored, maskSize: prepared.maskSize };
    },
  };
}
