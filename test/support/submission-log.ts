import type { CatalogEvent } from "@cds/events";

/** How many searches ran at once, as the event log tells it. */
export interface RunningAtOnce {
  /** The most searches between their `Search Started` and their `Search Completed` / `Search Failed` at any point of the log. */
  max: number;
  /** Searches with a `Search Started` event, in log order. */
  started: string[];
  /** Searches started twice (never expected). */
  startedTwice: string[];
}

/**
 * Walks an event log in order and counts the searches running at each point: a search runs
 * from its `Search Started` to its `Search Completed` or `Search Failed`. Events are appended in
 * the order they were published, and a slot is freed only after its search's final event is in
 * the log, so the count read here bounds what ran.
 *
 * @example
 * expect(runningAtOnce(await runtime.bus.readLog()).max).toBeLessThanOrEqual(4);
 */
export function runningAtOnce(log: readonly CatalogEvent[]): RunningAtOnce {
  const running = new Set<string>();
  const started: string[] = [];
  const startedTwice: string[] = [];
  let max = 0;
  for (const event of log) {
    if (event["detail-type"] === "Search Started") {
      if (started.includes(event.detail.searchId)) startedTwice.push(event.detail.searchId);
      started.push(event.detail.searchId);
      running.add(event.detail.searchId);
      max = Math.max(max, running.size);
    } else if (event["detail-type"] === "Search Completed" || event["detail-type"] === "Search Failed") {
      running.delete(event.detail.searchId);
    }
  }
  return { max, started, startedTwice };
}
