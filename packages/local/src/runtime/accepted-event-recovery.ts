import type { StateStore } from "@cds/core/state";
import { searchAcceptedEntry, type SearchEventEntry } from "@cds/functions";

/** What {@link recoverAcceptedEvents} works with. */
export interface AcceptedEventRecoveryOptions {
  state: Pick<StateStore, "listSearchesAwaitingAcceptedEvent" | "markAcceptedEventPublished">;
  publish: (entries: readonly SearchEventEntry[]) => Promise<unknown>;
  /**
   * Only searches submitted at least this long ago: a younger one may be between its creation
   * and its announcement in this very process. 0 at start, when nothing is in flight.
   */
  olderThanMs: number;
  now?: () => number;
}

/**
 * Publishes the `Search Accepted` of every search intake created but did not announce — its
 * process died between the state write and the publish, and a redelivered upload finds the
 * search already there and announces nothing — then clears its mark. Run at start (before
 * admission starts waiting searches) and in sweeps. Resolves to how many were announced.
 *
 * @example
 * await recoverAcceptedEvents({ state, publish: (entries) => publisher.publish(entries), olderThanMs: 0 });
 */
export async function recoverAcceptedEvents(options: AcceptedEventRecoveryOptions): Promise<number> {
  const now = options.now ?? Date.now;
  let announced = 0;
  for (const search of await options.state.listSearchesAwaitingAcceptedEvent()) {
    if (now() - Date.parse(search.submittedAt) < options.olderThanMs) continue;
    await options.publish([searchAcceptedEntry(search)]);
    await options.state.markAcceptedEventPublished(search.searchId);
    announced++;
  }
  return announced;
}
