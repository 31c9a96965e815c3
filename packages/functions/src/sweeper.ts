import { batchFailed, parseEvent } from "@cds/events";
import { failSearch, stageFailureReason, type FailingStage } from "@cds/core";
import type { PipelineDeps } from "./ports.ts";
import { searchFailedEntry } from "./search-events.ts";

/**
 * The sweeper, on `Batch Failed` (a worker gave up after its retries). The search is not failed
 * here: the batch stays missing, and the periodic sweep (`sweepSearches`) re-runs it after
 * a while, and after the search's deadline finishes it with partial results or fails it.
 * This only checks the event.
 *
 * @example
 * bus.subscribe("sweeper", (event) => sweeper(event, deps));
 */
export async function sweeper(event: unknown, _deps: Pick<PipelineDeps, "state" | "bus">): Promise<void> {
  parseEvent(event, batchFailed);
}

/**
 * What a runtime calls when a stage's handler failed for good (a Lambda on-failure destination
 * locally): fail the search with the stage's error, and announce it once.
 *
 * @example
 * try { … } catch (error) { await stageFailed(searchId, "combiner", error, deps); }
 */
export async function stageFailed(searchId: string, stage: FailingStage, error: unknown, deps: Pick<PipelineDeps, "state" | "bus">): Promise<void> {
  const failed = await failSearch(searchId, stage, stageFailureReason(stage, error), deps);
  if (failed) await deps.bus.publish([searchFailedEntry(failed)]);
}
