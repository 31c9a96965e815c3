import type { StateStore } from "@cds/core";
import { catalogEntryFor, searchEventSource } from "@cds/events";
import type { ConsoleTable } from "./console-table.ts";
import { ownerOfSubmission } from "./owner.ts";

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
 * connections of the search's owner, as `{ "detail-type", "detail", "time" }` JSON, and deletes
 * the connections API Gateway says are gone. A search not made through the console (no owner)
 * reaches no one.
 *
 * @example
 * await broadcastSearchEvent(event, { state, table, post })
 */
export async function broadcastSearchEvent(event: unknown, deps: BroadcastDeps): Promise<BroadcastOutcome> {
  const { source, "detail-type": detailType, detail, time } = (event ?? {}) as { source?: unknown; "detail-type"?: unknown; detail?: unknown; time?: unknown };
  if (source !== searchEventSource || typeof detailType !== "string" || !catalogEntryFor(detailType)) return { sent: 0, gone: 0, skipped: "not a search event" };
  const searchId = (detail as { searchId?: unknown } | undefined)?.searchId;
  if (typeof searchId !== "string") return { sent: 0, gone: 0, skipped: "the event names no search" };
  const search = await deps.state.getSearch(searchId);
  const owner = ownerOfSubmission(search?.submissionId);
  if (!owner) return { sent: 0, gone: 0, skipped: "the search was not made in the console" };
  const connections = await deps.table.connectionsOf(owner);
  const message = JSON.stringify({ "detail-type": detailType, detail, time });
  const outcomes = await Promise.all(
    connections.map(async (connectionId) => {
      const outcome = await deps.post(connectionId, message);
      if (outcome === "gone") await deps.table.deleteConnection(owner, connectionId);
      return outcome;
    }),
  );
  return { sent: outcomes.filter((o) => o === "sent").length, gone: outcomes.filter((o) => o === "gone").length };
}
