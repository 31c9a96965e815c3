import type { ServerResponse } from "node:http";
import { withBatchProgress } from "@cds/core/pipeline";
import type { StateStore } from "@cds/core/state";
import type { CatalogEvent } from "@cds/events";

// The console's live view: every event the runtime publishes goes to each open browser as a
// server-sent event, with the search's mask key added where the event lacks it (a `Search Failed`
// names only the search, and the page follows its uploads by key). Batch progress has no event
// of its own (a worker's batch counts in the state table), so while a browser watches, the feed
// reads the running searches' progress a few times a second and sends what changed. The browser
// only listens.

/** What one message of the feed holds. */
export type LiveMessage =
  | { type: "event"; "detail-type": string; detail: Record<string, unknown>; time: string; maskKey?: string }
  | { type: "progress"; searchId: string; completedBatches: number; batchCount: number; targetCount: number };

/** How often progress is read while someone watches. */
const PROGRESS_EVERY_MS = 300;
/** A comment line now and then keeps proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** At most this many running searches have their progress read per tick. */
const PROGRESS_SEARCHES = 32;

/** The feed: attach responses to it, publish events into it. */
export interface LiveFeed {
  /** Turns `res` into an event stream until the client goes. */
  attach(res: ServerResponse): void;
  /** Hands a runtime event to every open stream. */
  publish(event: CatalogEvent): void;
  /** Open streams. */
  readonly clients: number;
  close(): void;
}

/**
 * The live feed over the runtime's state.
 *
 * @example
 * const feed = createLiveFeed(() => runtime.state);
 * startLocalRuntime({ ...options, onEvent: (event) => feed.publish(event) });
 */
export function createLiveFeed(state: () => StateStore | undefined): LiveFeed {
  const clients = new Set<ServerResponse>();
  const running = new Set<string>();
  const lastProgress = new Map<string, number>();
  let ticking = false;

  const send = (message: LiveMessage) => {
    const line = `data: ${JSON.stringify(message)}\n\n`;
    for (const res of clients) res.write(line);
  };

  async function enrich(event: CatalogEvent): Promise<LiveMessage> {
    const detail = event.detail as Record<string, unknown>;
    const message: LiveMessage = { type: "event", "detail-type": event["detail-type"], detail, time: event.time };
    if (typeof detail.maskKey === "string" || typeof detail.searchId !== "string") return message;
    const search = await state()?.getSearch(detail.searchId).catch(() => undefined);
    return search ? { ...message, maskKey: search.maskKey } : message;
  }

  async function tick(): Promise<void> {
    const store = state();
    if (ticking || clients.size === 0 || running.size === 0 || !store) return;
    ticking = true;
    try {
      const searches = await store.getSearches([...running].slice(0, PROGRESS_SEARCHES));
      for (const search of await withBatchProgress(store, searches)) {
        if (search.status !== "running") continue;
        if (lastProgress.get(search.searchId) === search.completedBatches) continue;
        lastProgress.set(search.searchId, search.completedBatches);
        send({ type: "progress", searchId: search.searchId, completedBatches: search.completedBatches, batchCount: search.batchCount, targetCount: search.targetCount });
      }
    } catch {
      // progress is best effort: the next tick tries again, the events still arrive
    } finally {
      ticking = false;
    }
  }

  const progressTimer = setInterval(() => void tick(), PROGRESS_EVERY_MS);
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(": keep-alive\n\n");
  }, HEARTBEAT_MS);
  progressTimer.unref();
  heartbeat.unref();

  /** Searches already running when the first browser arrives (started before the console, or before a restart). */
  async function seedRunning(): Promise<void> {
    const page = await state()?.listSearchesByStatus("running", { limit: PROGRESS_SEARCHES }).catch(() => undefined);
    for (const search of page?.items ?? []) running.add(search.searchId);
  }

  return {
    attach(res) {
      if (clients.size === 0) void seedRunning();
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
      res.write("retry: 2000\n\n");
      clients.add(res);
      res.on("close", () => clients.delete(res));
    },
    publish(event) {
      const detail = event.detail as { searchId?: unknown };
      const id = typeof detail.searchId === "string" ? detail.searchId : undefined;
      if (id && event["detail-type"] === "Search Started") running.add(id);
      if (id && (event["detail-type"] === "Search Completed" || event["detail-type"] === "Search Failed")) {
        running.delete(id);
        lastProgress.delete(id);
      }
      if (clients.size === 0) return;
      void enrich(event).then(send);
    },
    get clients() {
      return clients.size;
    },
    close() {
      clearInterval(progressTimer);
      clearInterval(heartbeat);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
