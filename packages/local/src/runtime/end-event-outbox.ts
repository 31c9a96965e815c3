import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { SearchItem, SubmissionItem } from "@cds/core/entities";
import { combinedSearchOf } from "@cds/core/pipeline";
import type { BlobStore } from "@cds/core/ports";
import type { ResultsDocument } from "@cds/core/results";
import type { StateStore } from "@cds/core/state";
import type { SubmissionSummary } from "@cds/core/submission";
import { parseEvent, type CatalogEvent } from "@cds/events";
import { searchCompletedEntry, searchFailedEntry, submissionCompletedEntry, type SearchEventEntry } from "@cds/functions";
import type { LocalEventBus } from "../event-bus/local-event-bus.ts";

/**
 * The end events: one per search, ever (the status changes allow one of completed and failed),
 * and one per submission.
 */
const END_EVENT_TYPES: ReadonlySet<string> = new Set(["Search Completed", "Search Failed", "Submission Completed"]);

/** What an end event ends, as one key: a search's id, or `submission/<id>`. */
function subjectOf(event: { detailType?: string; "detail-type"?: string; detail: unknown }): string {
  const detail = event.detail as { searchId?: string; submissionId?: string };
  return (event.detailType ?? event["detail-type"]) === "Submission Completed" ? `submission/${detail.submissionId}` : String(detail.searchId);
}

/**
 * The id of search S's end event (or, for `submission/<id>`, of that submission's): the same for every copy of it (the first publish, and one the
 * outbox makes after a crash), so the log holds it once and webhooks keep one `webhook-id`
 * (`<subscriptionId>/<eventId>`). UUID-shaped, from a hash of the search id.
 *
 * @example
 * endEventId("3f2c…") // "9b1e…-…"
 */
export function endEventId(searchId: string): string {
  const hex = createHash("sha256").update(`cds end event/${searchId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What {@link endEventOutbox} works with. */
export interface EndEventOutboxOptions {
  bus: LocalEventBus;
  state: Pick<StateStore, "listSearchesAwaitingEndEvent" | "markEndEventPublished" | "listSubmissionsAwaitingEndEvent" | "markSubmissionEndEventPublished">;
  /** Where results documents and submission summaries are: a late `Search Completed` or `Submission Completed` is rebuilt from one. */
  results: BlobStore;
  /** The bus's log file, read at recovery for end events logged before a crash but not handled. */
  logFile: string;
  /** True once the runtime stops: handlers then return without acting, so nothing counts as handled. */
  stopping: () => boolean;
  /** Told about every event published (not about redeliveries of events already logged). */
  onEvent?: (event: CatalogEvent) => void;
  onError: (error: unknown) => void;
}

/**
 * The durable outbox of end events in cds dev. The write that ends a search (or completes a
 * submission) also marks its end event pending (`endEventPending`, in the state store); the mark is cleared only when every
 * handler of the event (admission, submission tracking, notify: webhooks and email) has returned. `recover`
 * — at start and in every sweep — publishes the end event of each search or submission still
 * marked: from the log when it was logged before the crash (handed to the handlers again, not
 * logged twice), else built from the record (and its results document or summary). Every copy
 * has the id {@link endEventId}.
 *
 * @example
 * const outbox = endEventOutbox({ bus, state, results, logFile, stopping: () => stopping, onError });
 * const publisher = { publish: (entries) => outbox.publish(entries) };
 * await outbox.recover();
 */
export function endEventOutbox(options: EndEventOutboxOptions) {
  const { bus, state } = options;
  // Searches whose end event this process is publishing or handling now: never a second copy.
  const inFlight = new Set<string>();
  // End events in the log whose handling did not finish (a handler threw, or the runtime stopped).
  const logged = new Map<string, CatalogEvent>();
  // Searches whose end event this process saw handled: a late copy (the pipeline's own, after a
  // sweep recovered it first) is dropped. One id per search that ended while this process ran.
  const done = new Set<string>();

  async function handled(event: CatalogEvent, ok: boolean): Promise<void> {
    const searchId = subjectOf(event);
    try {
      if (ok && !options.stopping()) {
        if (searchId.startsWith("submission/")) await state.markSubmissionEndEventPublished(searchId.slice("submission/".length));
        else await state.markEndEventPublished(searchId);
        logged.delete(searchId);
        done.add(searchId);
      } else {
        logged.set(searchId, event); // the next recovery hands it to the handlers again
      }
    } catch (error) {
      logged.set(searchId, event);
      options.onError(error);
    } finally {
      inFlight.delete(searchId);
    }
  }

  /** Publishes entries as the pipeline's bus; an end event gets its fixed id, and only one copy is in flight. */
  async function publish(entries: readonly SearchEventEntry[]): Promise<CatalogEvent[]> {
    const claimed: string[] = [];
    const sent: (SearchEventEntry & { id?: string })[] = [];
    for (const entry of entries) {
      if (!END_EVENT_TYPES.has(entry.detailType)) {
        sent.push(entry);
        continue;
      }
      const searchId = subjectOf(entry);
      if (inFlight.has(searchId) || done.has(searchId)) continue; // a copy is on its way, or was handled
      inFlight.add(searchId);
      claimed.push(searchId);
      sent.push({ ...entry, id: endEventId(searchId) });
    }
    if (sent.length === 0) return [];
    let events: CatalogEvent[];
    try {
      events = await bus.publish(sent, { onHandled: (event, ok) => (END_EVENT_TYPES.has(event["detail-type"]) ? handled(event, ok) : undefined) });
    } catch (error) {
      for (const searchId of claimed) inFlight.delete(searchId); // not logged: recovery publishes it
      throw error;
    }
    for (const event of events) options.onEvent?.(event);
    return events;
  }

  /** Publishes (or hands again to the handlers) the end event of every search and submission still marked pending. Resolves to how many. */
  async function recover(): Promise<number> {
    const awaiting: Awaiting[] = [
      ...(await state.listSearchesAwaitingEndEvent()).map((search) => ({ key: search.searchId, entry: () => searchEndEntry(search, options.results) })),
      ...(await state.listSubmissionsAwaitingEndEvent()).map((submission) => ({ key: `submission/${submission.submissionId}`, entry: () => submissionEndEntry(submission, options.results) })),
    ].filter((item) => !inFlight.has(item.key));
    const unknown = awaiting.filter((item) => !logged.has(item.key)).map((item) => item.key);
    if (unknown.length > 0) for (const [key, event] of await findLogged(options.logFile, unknown)) logged.set(key, event);
    let recovered = 0;
    for (const item of awaiting) {
      if (inFlight.has(item.key)) continue;
      try {
        const event = logged.get(item.key);
        if (event) {
          inFlight.add(item.key);
          bus.redeliver(event, { onHandled: handled });
        } else {
          await publish([await item.entry()]);
        }
        recovered++;
      } catch (error) {
        options.onError(error); // left marked: the next sweep tries again
      }
    }
    return recovered;
  }

  return { publish, recover };
}

/** One end event the outbox still holds: its subject's key, and how to build it anew. */
type Awaiting = { key: string; entry: () => Promise<SearchEventEntry> };

/** The end event of an ended search, as the pipeline would have published it. */
async function searchEndEntry(search: SearchItem, results: BlobStore): Promise<SearchEventEntry> {
  if (search.status === "failed") return searchFailedEntry(search);
  const document = JSON.parse(new TextDecoder().decode(await results.get(search.resultsKey ?? `${search.searchId}.json`))) as ResultsDocument;
  return searchCompletedEntry(combinedSearchOf(search.searchId, document));
}

/** `Submission Completed` of a completed submission, from the summary it wrote before it was marked. */
async function submissionEndEntry(submission: SubmissionItem, results: BlobStore): Promise<SearchEventEntry> {
  const summaryKey = submission.summaryKey!;
  const summary = JSON.parse(new TextDecoder().decode(await results.get(summaryKey))) as SubmissionSummary;
  return submissionCompletedEntry({ submission, summary, summaryKey, summaryCsvKey: submission.summaryCsvKey! });
}

/** The end events of these subjects that the log holds, by key: one read of the file, lines found by their fixed id. */
async function findLogged(logFile: string, keys: readonly string[]): Promise<Map<string, CatalogEvent>> {
  const found = new Map<string, CatalogEvent>();
  let text: string;
  try {
    text = await readFile(logFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return found;
    throw error;
  }
  for (const key of keys) {
    const at = text.indexOf(`"id":"${endEventId(key)}"`);
    if (at < 0) continue;
    const start = text.lastIndexOf("\n", at) + 1;
    const end = text.indexOf("\n", at);
    if (end < 0) continue; // a line the crash cut short was never delivered either: publish it anew
    try {
      found.set(key, parseEvent(JSON.parse(text.slice(start, end))));
    } catch {
      // not a whole event: publish it anew
    }
  }
  return found;
}
