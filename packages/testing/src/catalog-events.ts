import { readFixture, searchCompleted } from "@cds/events";

/** The catalog's Search Completed fixture with its own event id (webhook deliveries are keyed by it). */
export function searchCompletedEvent(id: string) {
  const event = readFixture(searchCompleted);
  event.id = id;
  return event;
}
