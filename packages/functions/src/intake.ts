import { objectCreated, parseEvent } from "@cds/events";
import { acceptUpload } from "@cds/core/pipeline";
import type { PipelineDeps } from "./ports.ts";
import { searchAcceptedEntry, searchFailedEntry } from "./search-events.ts";

/**
 * Intake, on an upload's `Object Created`: accept the mask (Search Accepted) or refuse it with a
 * reason (Search Failed); a redelivered event emits nothing.
 *
 * @example
 * bus.subscribe("intake", (event) => intake(event, deps));
 */
export async function intake(event: unknown, deps: Pick<PipelineDeps, "state" | "uploads" | "libraries" | "batchPlan" | "bus" | "maskMaxBytes" | "decodeMask">): Promise<void> {
  const { bucket, object } = parseEvent(event, objectCreated).detail;
  const outcome = await acceptUpload({ bucket: bucket.name, key: object.key, etag: object.etag }, deps);
  if (outcome.kind === "accepted") {
    await deps.bus.publish([searchAcceptedEntry(outcome.search)]);
    // Announced: cds dev's recovery (acceptedEventRecovery) need not announce it again.
    await deps.state.markAcceptedEventPublished(outcome.search.searchId);
  }
  if (outcome.kind === "rejected") await deps.bus.publish([searchFailedEntry(outcome.search)]);
}
