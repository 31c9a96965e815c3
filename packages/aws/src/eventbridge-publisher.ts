import { setTimeout as sleep } from "node:timers/promises";
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { EventPublisher, SearchEventEntry } from "@cds/functions";
import { EventTooLargeError, type FailedEventEntry, PutEventsFailedError } from "./errors.ts";

/** PutEvents takes at most this many entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** PutEvents takes at most this many bytes of entries per call (and so per entry), counted by {@link putEventsEntrySize}. */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

export interface EventBridgePublisherOptions {
  client: EventBridgeClient;
  /** Name or ARN of the bus every entry goes to. */
  eventBusName: string;
  /** Tries per entry, the first included, before `publish` gives up on it (default 3). */
  maxAttempts?: number;
  /** Wait before the first retry; each further retry waits twice as long (default 100 ms). */
  retryDelayMs?: number;
}

/**
 * The size EventBridge charges an entry against the 256 KB limit, per its documented rule
 * ("Calculating PutEvents event entry size"): the UTF-8 bytes of Source, DetailType and
 * Detail, each Resources item, and 14 bytes for a Time. The bus name does not count.
 *
 * @example
 * putEventsEntrySize({ Source: "cds.search", DetailType: "Search Accepted", Detail: "{}" }); // 27
 */
export function putEventsEntrySize(entry: Pick<PutEventsRequestEntry, "Source" | "DetailType" | "Detail" | "Resources"> & { Time?: unknown }): number {
  let size = entry.Time !== undefined ? 14 : 0;
  size += Buffer.byteLength(entry.Source ?? "") + Buffer.byteLength(entry.DetailType ?? "");
  if (entry.Detail !== undefined) size += Buffer.byteLength(entry.Detail);
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource);
  return size;
}

type Pending = { index: number; entry: PutEventsRequestEntry };

/**
 * An {@link EventPublisher} over EventBridge's PutEvents. `publish` splits the entries into
 * calls of at most 10 entries and 256 KB, and resolves to the event ids in the order given.
 * PutEvents can accept some entries of a call and refuse others (throttled, internal
 * failure): only the refused ones are sent again, after a short backoff, up to
 * `maxAttempts`; entries still refused then make `publish` throw a
 * {@link PutEventsFailedError} listing them, after every other batch has been tried. Errors
 * of a whole call (network, 5xx, throttling) are the SDK client's to retry; they propagate.
 * An entry too large for any call throws {@link EventTooLargeError} before anything is sent.
 *
 * Events are at-least-once anyway (a caller that retries a failed `publish` re-sends the
 * entries that did go through), which is why handlers downstream are idempotent.
 *
 * @example
 * const bus = new EventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: "cds-search" });
 * const [eventId] = await bus.publish([{ source: "cds.search", detailType: "Search Accepted", detail }]);
 */
export class EventBridgePublisher implements EventPublisher {
  readonly client: EventBridgeClient;
  readonly eventBusName: string;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;

  constructor(options: EventBridgePublisherOptions) {
    this.client = options.client;
    this.eventBusName = options.eventBusName;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError(`maxAttempts must be a whole number ≥ 1, not ${this.maxAttempts}`);
  }

  async publish(entries: readonly SearchEventEntry[]): Promise<string[]> {
    const pending = entries.map((e, index): Pending & { size: number } => {
      const entry = { Source: e.source, DetailType: e.detailType, Detail: JSON.stringify(e.detail), EventBusName: this.eventBusName };
      const size = putEventsEntrySize(entry);
      if (size > PUT_EVENTS_MAX_BYTES) throw new EventTooLargeError(e, size, PUT_EVENTS_MAX_BYTES);
      return { index, entry, size };
    });
    const ids: (string | undefined)[] = new Array(entries.length).fill(undefined);
    const failed: FailedEventEntry[] = [];
    for (const batch of batchesOf(pending)) failed.push(...(await this.putWithRetries(batch, ids)));
    if (failed.length > 0) throw new PutEventsFailedError(failed, this.maxAttempts, ids);
    return ids as string[];
  }

  /** Puts one batch, re-sending only refused entries; returns those refused on the last attempt. */
  private async putWithRetries(batch: readonly Pending[], ids: (string | undefined)[]): Promise<FailedEventEntry[]> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const response = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      const results = response.Entries ?? [];
      const refused: FailedEventEntry[] = [];
      // Results come back in request order, one per entry: that position is the only link
      // between a result and its entry.
      pending.forEach((p, i) => {
        const result = results[i];
        if (result?.EventId && !result.ErrorCode) {
          ids[p.index] = result.EventId;
          return;
        }
        refused.push({
          index: p.index,
          source: p.entry.Source!,
          detailType: p.entry.DetailType!,
          errorCode: result?.ErrorCode ?? "NoResult",
          errorMessage: result?.ErrorMessage ?? (result ? "no EventId and no error given" : "the response has no entry at this position"),
        });
      });
      if (refused.length === 0 || attempt >= this.maxAttempts) return refused;
      const refusedIndexes = new Set(refused.map((r) => r.index));
      pending = pending.filter((p) => refusedIndexes.has(p.index));
      // Refusals are mostly throttling: back off (doubling, with jitter so that concurrent
      // publishers spread out) before trying again.
      const delay = this.retryDelayMs * 2 ** (attempt - 1);
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}

/** Splits entries, in order, into runs that fit one PutEvents call (count and bytes). */
function* batchesOf<T extends { size: number }>(entries: readonly T[]): Iterable<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (batch.length === PUT_EVENTS_MAX_ENTRIES || (batch.length > 0 && bytes + entry.size > PUT_EVENTS_MAX_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += entry.size;
  }
  if (batch.length > 0) yield batch;
}
