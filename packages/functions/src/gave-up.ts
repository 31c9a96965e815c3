import { searchEventSource } from "@cds/events";
import { stageEndedByFailureOf, type SearchJob } from "@cds/core/pipeline";
import type { DispatcherPayload, WorkerPayload } from "@cds/core/planning";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { stageFailed } from "./stage-failed.ts";

/** An invocation whose retries are spent: what Lambda hands an on-failure destination. */
export interface GaveUpInvocation {
  /** Logical function name (`functionNames`), or undefined when only the payload tells. */
  functionName?: string;
  payload: unknown;
  /** The last error, as a message. */
  error: string;
  attempts: number;
}

/**
 * What happens when an invoked function gave up for good: a worker's batch becomes `Batch Failed`
 * (the sweeper re-runs it or finishes the search partial); a dispatcher's search, or the search of
 * an event a routed handler could not handle, is failed with the stage's reason. Resolves false
 * when the payload names no search (an upload event that never became a search), so the caller
 * can log it.
 *
 * The function is recognised by its name when given, else by the payload's shape, because
 * Lambda's destination record names the function only by ARN.
 *
 * @example
 * await invocationGaveUp({ payload: record.requestPayload, error: "Task timed out", attempts: 3 }, deps);
 */
export async function invocationGaveUp(failure: GaveUpInvocation, deps: Pick<PipelineDeps, "state" | "bus" | "now">): Promise<boolean> {
  const payload = failure.payload as Partial<WorkerPayload<SearchJob>> & Partial<DispatcherPayload<SearchJob>> & { "detail-type"?: unknown; detail?: { searchId?: unknown } };
  const error = failure.error || "unknown error";
  if (failure.functionName === functionNames.worker || (payload.batch && payload.job)) {
    // A payload that is not a worker's (hand-made, or of another version) names no batch to fail.
    const searchId = payload.job?.searchId;
    const batchId = payload.batch?.batchId;
    if (typeof searchId !== "string" || typeof batchId !== "number") return false;
    const detail = { searchId, batchId, attempt: failure.attempts, error };
    await deps.bus.publish([{ source: searchEventSource, detailType: "Batch Failed", detail }]);
    return true;
  }
  const isDispatcher = failure.functionName === functionNames.dispatchNode || (payload.node !== undefined && payload.job !== undefined);
  const searchId = isDispatcher ? payload.job?.searchId : payload.detail?.searchId;
  const stage = isDispatcher ? "dispatch" : stageEndedByFailureOf(payload["detail-type"]);
  if (typeof searchId !== "string" || !stage) return false;
  await stageFailed(searchId, stage, new Error(error), deps);
  return true;
}
