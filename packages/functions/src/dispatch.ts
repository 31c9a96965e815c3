import { parseEvent } from "@cds/events";
import { admitWaitingSearches, type AdmissionHandlerDeps } from "./admission.ts";

/**
 * Dispatch, with admission control. On `Search Accepted`: start waiting searches, oldest first,
 * while fewer than `maxRunning` run (the new one waits its turn). On `Search Completed` /
 * `Search Failed`: give that search's running slot back, then start the searches waiting
 * longest. Starting a search plans its batches, marks it running, emits Search Started and
 * invokes the root dispatcher.
 *
 * @example
 * bus.subscribe("dispatch", (event) => dispatchSearch(event, deps));
 */
export async function dispatchSearch(event: unknown, deps: AdmissionHandlerDeps): Promise<void> {
  const parsed = parseEvent(event);
  const type = parsed["detail-type"];
  if (type === "Search Completed" || type === "Search Failed") await deps.state.releaseRunningSlot(parsed.detail.searchId);
  else if (type !== "Search Accepted") return;
  await (deps.admitWaiting ?? (() => admitWaitingSearches(deps)))();
}
