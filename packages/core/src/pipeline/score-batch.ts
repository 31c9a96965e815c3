import { decodeImage } from "../image/decode-image.ts";
import type { WorkerPayload } from "../planning/dispatch.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import { prepareMask, type PreparedMask } from "../scoring/fast-scorer.ts";
import { searchLibraryRange } from "../search/batch-search.ts";
import type { BatchRecording, StateStore } from "../state/service.ts";
import type { LibraryStores } from "./pipeline-ports.ts";
import type { SearchJob } from "./search-job.ts";

/** What a worker needs. */
export interface ScoreBatchDeps {
  state: Pick<StateStore, "recordBatchResult">;
  uploads: BlobStore;
  libraries: LibraryStores;
  /**
   * Prepared masks kept between invocations of a warm worker (a search's batches share one
   * mask); small, as a Lambda container's module scope would be.
   */
  maskCache?: Map<string, PreparedMask>;
}

const MASK_CACHE_SIZE = 4;

/**
 * Worker: scores one batch of a search and records its best `job.top` matches, idempotently.
 * `reachedBatchCount` is true for exactly one batch of the search: that worker emits
 * `Search Batches Completed`.
 *
 * @example
 * const recording = await scoreBatch(payload, { state, uploads, libraries });
 * if (recording.reachedBatchCount) await publish(batchesCompleted(payload.job.searchId, recording.batchCount));
 */
export async function scoreBatch(payload: WorkerPayload<SearchJob>, deps: ScoreBatchDeps): Promise<BatchRecording> {
  const { batch, job } = payload;
  const prepared = await preparedMask(job, deps);
  const result = await searchLibraryRange(deps.libraries(job.library), job.layout, prepared, batch.start, batch.end, {
    minMatchingPixRatio: job.params.minMatchingPixRatio,
  });
  return deps.state.recordBatchResult({ searchId: job.searchId, batchId: batch.batchId, matches: result.matches.slice(0, job.top), scored: result.scored });
}

async function preparedMask(job: SearchJob, deps: ScoreBatchDeps): Promise<PreparedMask> {
  const cacheKey = `${job.searchId} ${job.maskKey}`;
  const cached = deps.maskCache?.get(cacheKey);
  if (cached) return cached;
  const prepared = prepareMask(await decodeImage(await deps.uploads.get(job.maskKey), { name: job.maskKey }), job.params);
  if (deps.maskCache) {
    if (deps.maskCache.size >= MASK_CACHE_SIZE) deps.maskCache.delete(deps.maskCache.keys().next().value!);
    deps.maskCache.set(cacheKey, prepared);
  }
  return prepared;
}
