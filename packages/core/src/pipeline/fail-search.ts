import type { SearchItem } from "../entities/search.ts";
import type { StateStore } from "../state/service.ts";
import { IllegalStatusTransitionError, SearchNotFoundError } from "../state/state-errors.ts";

/** The stages that can give up on a search (as the `Search Failed` event names them). */
export type FailingStage = "intake" | "dispatch" | "worker" | "combiner" | "sweeper";

/**
 * The stage a routed event's handler ends when it fails for good, by the event's detail-type: the
 * one table both runtimes read (the local bus after a handler's last retry, the Lambda on-failure
 * destination). A search's end event is missing on purpose: the handlers it feeds (slot release,
 * submission tracking, notify) fail no search that already ended, so their failure is reported.
 */
const stageByRoutedEvent: Readonly<Record<string, FailingStage>> = {
  "Object Created": "intake",
  "Search Accepted": "dispatch",
  "Search Batches Completed": "combiner",
};

/**
 * Which stage ends when the handler of a routed event of this detail-type fails for good;
 * undefined when none does (the failure is reported, and no search fails).
 *
 * @example
 * stageEndedByFailureOf("Search Accepted")  // "dispatch"
 * stageEndedByFailureOf("Search Completed") // undefined
 */
export function stageEndedByFailureOf(detailType: unknown): FailingStage | undefined {
  return typeof detailType === "string" && Object.hasOwn(stageByRoutedEvent, detailType) ? stageByRoutedEvent[detailType] : undefined;
}

/**
 * Marks a search failed with a reason for people. Resolves undefined when there is nothing to
 * fail (no such search, or it already finished): then nobody should announce it again.
 *
 * @example
 * const failed = await failSearch(searchId, "combiner", `the results could not be written: ${error.message}`, { state });
 * if (failed) await publish(searchFailedEntry(failed));
 */
export async function failSearch(
  searchId: string,
  stage: FailingStage,
  reason: string,
  deps: { state: Pick<StateStore, "markSearchFailed"> },
): Promise<SearchItem | undefined> {
  try {
    return await deps.state.markSearchFailed(searchId, { stage, reason });
  } catch (error) {
    if (error instanceof IllegalStatusTransitionError || error instanceof SearchNotFoundError) return undefined;
    throw error;
  }
}

/**
 * The reason shown when a pipeline stage itself broke (not the input): what could not be done,
 * and the error's message.
 *
 * @example
 * stageFailureReason("dispatch", new Error("ECONNREFUSED")) // "the search could not be dispatched: ECONNREFUSED"
 */
export function stageFailureReason(stage: FailingStage, error: unknown): string {
  const what = { intake: "accepted", dispatch: "dispatched", worker: "scored", combiner: "combined into results", sweeper: "finished" }[stage];
  return `the search could not be ${what}: ${error instanceof Error ? error.message : String(error)}`;
}
