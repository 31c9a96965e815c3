import { parseEvent } from "@cds/events";
import { admitWaitingSearches, type AdmitWaitingDeps } from "@cds/core/admission";
import type { PipelineDeps } from "./ports.ts";
import { searchLauncher } from "./search-launcher.ts";

/** The ports the admission handler uses: the state's slots and queue, and what starting a search needs. */
export type AdmissionHandlerDeps = Pick<PipelineDeps, "state" | "libraries" | "batchPlan" | "dispatchTree" | "bus" | "invoker" | "maxRunning" | "workerBudget" | "now"> &
  Pick<AdmitWaitingDeps, "admitWaiting">;

/**
 * Admission control. On `Search Accepted`: start waiting searches, oldest first, while a running
 * slot is free (the new one waits its turn). On `Search Completed` / `Search Failed`: give that
 * search's slot back first. Starting one is core `startAdmittedSearch` (plan, mark running,
 * announce, invoke the root node of its dispatch tree).
 *
 * @example
 * bus.subscribe("admission", (event) => admission(event, deps));
 */
export async function admission(event: unknown, deps: AdmissionHandlerDeps): Promise<void> {
  const parsed = parseEvent(event);
  const type = parsed["detail-type"];
  if (type === "Search Completed" || type === "Search Failed") await deps.state.releaseRunningSlot(parsed.detail.searchId);
  else if (type !== "Search Accepted") return;
  await (deps.admitWaiting ?? (() => admitWaitingSearches({ ...deps, launcher: searchLauncher(deps) })))();
}
