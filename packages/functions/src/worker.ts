import { scoreBatch, type SearchJob, type WorkerPayload } from "@cds/core";
import type { PipelineDeps } from "./ports.ts";
import { batchesCompletedEntry } from "./search-events.ts";

/**
 * The worker function (invoked by a leaf dispatcher): score one batch, record it once, and —
 * when it was the search's last — emit Search Batches Completed (the completion rule).
 *
 * Scoring runs on the caller's thread: on Lambda that is the function's own CPU; locally the
 * invoker's concurrency interleaves batches on the main thread (see the runtime).
 *
 * @example
 * invoker.register(functionNames.worker, (payload) => worker(payload, deps));
 */
export async function worker(payload: unknown, deps: Pick<PipelineDeps, "state" | "uploads" | "libraries" | "maskCache" | "bus" | "now">): Promise<void> {
  const batch = payload as WorkerPayload<SearchJob>;
  const recording = await scoreBatch(batch, deps);
  if (!recording.reachedBatchCount) return;
  await deps.bus.publish([batchesCompletedEntry(batch.job.searchId, recording.batchCount, deps.now?.())]);
}
