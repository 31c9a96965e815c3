import { stageEndedByFailureOf } from "@cds/core/pipeline";
import type { RuleTarget } from "@cds/events";
import { admission, combiner, intake, notify, stageFailed, submissionTracking, type AdmissionHandlerDeps, type PipelineDeps } from "@cds/functions";
import type { LocalEventBus } from "../event-bus/local-event-bus.ts";
import { retrying } from "./retrying-handler.ts";

/** What {@link subscribeRuleTargets} hands the handlers and how it retries them. */
export interface LocalRoutesOptions {
  bus: LocalEventBus;
  deps: PipelineDeps;
  /** The admission handler's deps: `deps` with this process's coalesced admission pass. */
  admission: AdmissionHandlerDeps;
  retryDelaysMs?: readonly number[];
  stopping: () => boolean;
}

/**
 * Subscribes every rule target's handler to the local bus, as EventBridge routes to Lambda: each
 * is retried as Lambda retries an asynchronous invocation (an IO error of the state store fails
 * the step, not the runtime), and one that broke for good ends the stage core's
 * `stageEndedByFailureOf` names for its event, as the on-failure destination does on AWS. A
 * failure that ends no stage is thrown on to the bus, which reports it (an end event whose
 * handler broke stays in the outbox).
 *
 * @example
 * subscribeRuleTargets({ bus, deps, admission: admissionDeps, stopping: () => stopping });
 */
export function subscribeRuleTargets(options: LocalRoutesOptions): void {
  const { bus, deps, stopping } = options;
  // A target added to events/ without a handler here fails type-checking.
  const handlers: Record<RuleTarget, (event: unknown) => Promise<void>> = {
    intake: (event) => intake(event, deps),
    admission: (event) => admission(event, options.admission),
    combiner: (event) => combiner(event, deps),
    "submission-tracking": (event) => submissionTracking(event, deps),
    notify: (event) => notify(event, deps),
  };
  for (const [target, handle] of Object.entries(handlers) as [RuleTarget, (event: unknown) => Promise<void>][]) {
    const attempt = retrying(handle, { delaysMs: options.retryDelaysMs, stopping });
    bus.subscribe(target, async (event) => {
      if (stopping()) return;
      try {
        await attempt(event);
      } catch (error) {
        const stage = stageEndedByFailureOf(event["detail-type"]);
        const searchId = (event.detail as { searchId?: unknown }).searchId;
        if (stage && typeof searchId === "string") await stageFailed(searchId, stage, error, deps);
        else throw error;
      }
    });
  }
}
