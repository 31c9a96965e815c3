import type { z } from "zod";
import { catalog, catalogEntryFor, type CatalogEvent } from "./catalog.ts";
import type { CatalogEntry, EventOf } from "./catalog-entry.ts";
import { envelopeSchema } from "./event-envelope.ts";
import { EventValidationError, type EventValidationIssue } from "./errors.ts";

/**
 * Validates an EventBridge-shaped event: the envelope, then the detail against the catalog entry
 * of its detail-type (and its source against the entry's). Returns the event with the detail as
 * the schema parsed it. With `expected`, also insists on that entry's detail-type, which is what
 * a handler for one event wants.
 *
 * Throws {@link EventValidationError} naming the event and the first bad field.
 *
 * @example
 * const event = parseEvent(lambdaEvent, searchAccepted); // EventOf<typeof searchAccepted>
 * const any = parseEvent(line);                          // CatalogEvent; switch on any["detail-type"]
 */
export function parseEvent(envelope: unknown): CatalogEvent;
export function parseEvent<Entry extends CatalogEntry>(envelope: unknown, expected: Entry): EventOf<Entry>;
export function parseEvent(envelope: unknown, expected?: CatalogEntry): unknown {
  const readableType = readDetailType(envelope);
  const outer = envelopeSchema.safeParse(envelope);
  if (!outer.success) throw new EventValidationError(readableType, issuesOf(outer.error, []), { cause: outer.error });
  const event = outer.data;
  const detailType = event["detail-type"];

  const entry = expected ?? catalogEntryFor(detailType);
  if (entry === undefined) {
    const known = catalog.map((e) => `"${e.detailType}"`).join(", ");
    throw new EventValidationError(detailType, [{ field: "detail-type", message: `is not in the event catalog; known detail-types: ${known}` }]);
  }
  if (detailType !== entry.detailType) {
    throw new EventValidationError(detailType, [{ field: "detail-type", message: `expected "${entry.detailType}"` }]);
  }
  if (event.source !== entry.source) {
    throw new EventValidationError(detailType, [
      { field: "source", message: `"${detailType}" events come from "${entry.source}", got "${event.source}"` },
    ]);
  }
  const detail = entry.detail.safeParse(event.detail);
  if (!detail.success) throw new EventValidationError(detailType, issuesOf(detail.error, ["detail"]), { cause: detail.error });
  return { ...event, detail: detail.data };
}

function readDetailType(envelope: unknown): string | undefined {
  if (typeof envelope !== "object" || envelope === null) return undefined;
  const value = (envelope as Record<string, unknown>)["detail-type"];
  return typeof value === "string" ? value : undefined;
}

function issuesOf(error: z.ZodError, prefix: readonly (string | number)[]): EventValidationIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    // Zod reports unknown keys on the object that holds them; naming the key itself is clearer.
    if (issue.code === "unrecognized_keys") {
      return { field: fieldPath([...path, issue.keys[0] ?? ""]), message: "is not a field of this event" };
    }
    if (issue.code === "invalid_type" && issue.received === "undefined") {
      return { field: fieldPath(path), message: "is required" };
    }
    return { field: fieldPath(path), message: issue.message };
  });
}

function fieldPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(event)";
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}
