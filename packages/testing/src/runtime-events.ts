import type { CatalogEvent } from "@cds/events";
import type { LocalRuntime } from "@cds/local";

/** Polls `probe` every `intervalMs` until it returns something other than undefined. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The first event in the runtime's bus log that `match` accepts, once there is one. */
export function waitForEvent(runtime: LocalRuntime, match: (event: CatalogEvent) => boolean, timeoutMs?: number): Promise<CatalogEvent> {
  return waitFor(async () => (await runtime.bus.readLog()).find(match), timeoutMs);
}

/** The search id of the `Search Accepted` event for the upload at `maskKey` (`<library>/<file>`). */
export function acceptedSearchId(runtime: LocalRuntime, maskKey: string, timeoutMs?: number): Promise<string> {
  return waitFor(async () => {
    for (const event of await runtime.bus.readLog()) {
      if (event["detail-type"] === "Search Accepted" && event.detail.maskKey === maskKey) return event.detail.searchId;
    }
    return undefined;
  }, timeoutMs);
}

/** Whether `event` is a search event of `searchId` with the given detail-type. */
export function isSearchEvent(event: CatalogEvent, detailType: CatalogEvent["detail-type"], searchId: string): boolean {
  return event["detail-type"] === detailType && "searchId" in event.detail && event.detail.searchId === searchId;
}
