import type { SearchJob, WorkerPayload } from "@cds/core";
import { inProcessBatchScorer, type BatchScorer } from "./batch-scorer.ts";
import type { PipelineDeps } from "./ports.ts";
import { batchesCompletedEntry } from "./search-events.ts";

/**
 * The worker function (invoked by a leaf dispatcher): score one batch through the `scorer` port,
 * record it once, and — when it was the search's last — emit Search Batches Completed (the
 * completion rule). Without a `scorer` it scores in-process (Lambda: the function's own CPU,
 * prepared masks kept in `maskCache`); the local runtime passes a worker-thread pool.
 *
 * @example
 * invoker.register(functionNames.worker, (payload) => worker(payload, { ...deps, scorer }));
 */
export async function worker(payload: unknown, deps: WorkerDeps): Promise<void> {
  const { batch, batchCount, job } = payload as WorkerPayload<SearchJob>;
  const { matches, scored } = await (deps.scorer ?? inProcessBatchScorer(deps)).score({ batch, batchCount, job });
  const recording = await deps.state.recordBatchResult({ searchId: job.searchId, batchId: batch.batchId, matches, scored });
  if (!recording.reachedBatchCount) return;
  await deps.bus.publish([batchesCompletedEntry(job.searchId, recording.batchCount, deps.now?.())]);
}

/** The ports {@link worker} uses. */
export type WorkerDeps = Pick<PipelineDeps, "state" | "uploads" | "libraries" | "maskCache" | "bus" | "now"> & { scorer?: BatchScorer };
