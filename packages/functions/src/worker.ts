import { isLibraryDamage } from "@cds/core/library";
import { parseWorkerPayload } from "@cds/core/planning";
import type { BatchScorer, inProcessBatchScorer } from "./batch-scorer.ts";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { batchesCompletedEntry } from "./search-events.ts";
import { stageFailed } from "./stage-failed.ts";
import { nextWave } from "./waves.ts";

/**
 * The worker function (invoked by a leaf dispatcher): score one batch through the `scorer` port,
 * record it once in its leaf's completion group; the call that completes a leaf starts the leaf of
 * the next wave (if the search runs in waves), and the call that completes the whole search emits
 * Search Batches Completed (the completion rule). A damaged library (`isLibraryDamage`) fails the
 * search at once, not retried. The `scorer` outlives the call, so a warm container keeps the
 * search's prepared mask: Lambda passes one {@link inProcessBatchScorer} per container (the
 * function's own CPU), the local runtime a worker-thread pool.
 *
 * @example
 * invoker.register(functionNames.worker, (payload) => worker(payload, { ...deps, scorer }));
 */
export async function worker(payload: unknown, deps: WorkerDeps): Promise<void> {
  const input = parseWorkerPayload(payload);
  const { batch, job, tree } = input;
  let score: Awaited<ReturnType<BatchScorer["score"]>>;
  try {
    score = await deps.scorer.score(input);
  } catch (error) {
    if (!isLibraryDamage(error)) throw error; // transient (or unknown): retried, then Batch Failed
    // A damaged shard reads the same on every retry: the search fails now and frees its slot,
    // instead of holding it until the deadline. The reason names the shard and the library.
    await stageFailed(job.searchId, "worker", error, deps);
    return;
  }
  const { matches, scored, maskSize } = score;
  const recording = await deps.state.recordBatchResult({ searchId: job.searchId, batchId: batch.batchId, tree, matches, maskSize, scored });
  const next = recording.completedLeaf ? nextWave(input, recording.completedLeaf) : undefined;
  if (next) await deps.invoker.invokeAsync(functionNames.dispatchNode, next);
  if (recording.reachedBatchCount) await deps.bus.publish([batchesCompletedEntry(job.searchId, tree.batchCount)]);
}

/** The ports {@link worker} uses. */
export type WorkerDeps = Pick<PipelineDeps, "state" | "bus" | "invoker"> & { scorer: BatchScorer };
