import { batchFailed, parseEvent } from "@cds/events";
import { failSearch, stageFailureReason, type FailingStage } from "@cds/core";
import type { PipelineDeps } from "./ports.ts";
import { searchFailedEntry } from "./search-events.ts";

/**
 * The sweeper, on `Batch Failed` (a worker gave up after its retries). For now it fails the
 * search with the batch's error as the reason; retrying the batch and finishing with partial
 * results after a deadline are still to come.
 *
 * @example
 * bus.subscribe("sweeper", (event) => sweeper(event, deps));
 */
export async function sweeper(event: unknown, deps: Pick<PipelineDeps, "state" | "bus">): Promise<void> {
  const { searchId, batchId, attempt, error } = parseEvent(event, batchFailed).detail;
  const reason = `batch ${batchId} could not be scored after ${attempt} attempts: ${error}`;
  const failed = await failSearch(searchId, "sweeper", reason, deps);
  if (failed) await deps.bus.publish([searchFailedEntry(failed)]);
}

/**
 * What a runtime calls when a stage's handler failed for good (a Lambda on-failure destination
 * locally): fail the search with the stage's error, and announce it once.
 *
 * @example
 * catch (error) { await stageFailed(searchId, "combiner", error, deps); }
 */
export async function stageFailed(searchId: string, stage: FailingStage, error: unknown, deps: Pick<PipelineDeps, "state" | "bus">): Promise<void> {
  const failed = await failSearch(searchId, stage, stageFailureReason(stage, error), deps);
  if (failed) await deps.bus.publish([searchFailedEntry(failed)]);
}
