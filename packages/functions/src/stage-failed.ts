import { failSearch, stageFailureReason, type FailingStage } from "@cds/core/pipeline";
import type { SearchFailureStage } from "@cds/events";
import type { PipelineDeps } from "./ports.ts";
import { searchFailedEntry } from "./search-events.ts";

// Core names the stages a search fails in, the event catalog the stages `Search Failed` may carry;
// core cannot import the catalog, so this line stops type-checking if the two lists drift apart.
const stagesAgree: [FailingStage] extends [SearchFailureStage] ? ([SearchFailureStage] extends [FailingStage] ? true : never) : never = true;
void stagesAgree;

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
