import type { StateStore } from "@cds/core/state";
import { searchAccepted, searchBatchesCompleted, searchCompleted, searchEventSource, searchFailed, searchStarted } from "@cds/events";
import type { ConsoleTable } from "./console-table.ts";
import { ownerOfSubmission } from "./owner.ts";

/** The search events pushed to the browser: a search's whole life, as the catalog names them. */
export const liveSearchEventTypes: readonly string[] = [searchAccepted, searchStarted, searchBatchesCompleted, searchCompleted, searchFailed].map((entry) => entry.detailType);

/** The EventBridge pattern of the rule that feeds the broadcaster (stacks/Console.ts), on the search bus. */
export const liveSearchEventPattern = { source: [searchEventSource], "detail-type": [...liveSearchEventTypes] };

/** What posting to one connection came to: sent, or gone (API Gateway's 410: the browser left). */
export type PostOutcome = "sent" | "gone";

/** What {@link broadcastSearchEvent} needs. */
export interface BroadcastDeps {
  state: Pick<StateStore, "getSearch">;
  table: Pick<ConsoleTable, "connectionsOf" | "deleteConnection">;
  post: (connectionId: string, message: string) => Promise<PostOutcome>;
}

/** What one event came to. */
export interface BroadcastOutcome {
  readonly sent: number;
  readonly gone: number;
  /** Why nothing was sent, when nothing was. */
  readonly skipped?: string;
}

/**
 * Pushes one search event (from the EventBridge rule on the search bus) to the open console
 * connections of the search's owner, as `{ "detail-type", "detail", "time", "maskKey" }` JSON, and deletes
 * the connections API Gateway says are gone. A search not made through the console (no owner)
 * reaches no one.
 *
 * @example
 * await broadcastSearchEvent(event, { state, table, post })
 */
export async function broadcastSearchEvent(event: unknown, deps: BroadcastDeps): Promise<BroadcastOutcome> {
  const { source, "detail-type": detailType, detail, time } = (event ?? {}) as { source?: unknown; "detail-type"?: unknown; detail?: unknown; time?: unknown };
  if (source !== searchEventSource || typeof detailType !== "string" || !liveSearchEventTypes.includes(detailType)) return { sent: 0, gone: 0, skipped: "not a search event" };
  const searchId = (detail as { searchId?: unknown } | undefined)?.searchId;
  if (typeof searchId !== "string") return { sent: 0, gone: 0, skipped: "the event names no search" };
  const search = await deps.state.getSearch(searchId);
  const owner = ownerOfSubmission(search?.submissionId);
  if (!owner) return { sent: 0, gone: 0, skipped: "the search was not made in the console" };
  const connections = await deps.table.connectionsOf(owner);
  // The mask's key too: only Search Accepted carries it, and the page finds its row by it.
  const message = JSON.stringify({ "detail-type": detailType, detail, time, maskKey: search?.maskKey });
  const outcomes = await Promise.all(
    connections.map(async (connectionId) => {
      const outcome = await deps.post(connectionId, message);
      if (outcome === "gone") await deps.table.deleteConnection(owner, connectionId);
      return outcome;
    }),
  );
  return { sent: outcomes.filter((o) => o === "sent").length, gone: outcomes.filter((o) => o === "gone").length };
}
