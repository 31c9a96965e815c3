import { invocationGaveUp } from "@cds/functions";
import { busFromEnv } from "./bus-from-env.ts";
import { logger, observed } from "./observability.ts";
import { stateFromEnv } from "./state-from-env.ts";

/** The record Lambda sends an on-failure destination after an asynchronous invocation's last retry. */
interface FailureRecord {
  requestContext?: { functionArn?: string; condition?: string; approximateInvokeCount?: number };
  requestPayload?: unknown;
  responsePayload?: { errorMessage?: string; errorType?: string } | null;
}

/**
 * On-failure destination of every asynchronously invoked function (intake, admission,
 * dispatch-node, worker, combiner, submission-tracking): a worker's batch becomes `Batch Failed`;
 * any other fails its search with the reason when its event ends a stage (core
 * `stageEndedByFailureOf`), so no search waits silently for work that will never come, and is
 * logged when it ends none.
 */
export const handler = observed("on-failure", async (record: FailureRecord): Promise<void> => {
  const context = record.requestContext ?? {};
  const error = record.responsePayload?.errorMessage ?? context.condition ?? "unknown error";
  const handled = await invocationGaveUp(
    { payload: record.requestPayload, error, attempts: context.approximateInvokeCount ?? 1 },
    { state: stateFromEnv(), bus: busFromEnv() },
  );
  if (!handled) logger().error("a function gave up on an event that names no search", { functionArn: context.functionArn, error, payload: record.requestPayload });
});
