import { failSearch, stageFailureReason, type FailingStage } from "@cds/core";
import type { PipelineDeps } from "./ports.ts";
import { searchFailedEntry } from "./search-events.ts";

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
