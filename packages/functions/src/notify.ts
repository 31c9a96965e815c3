import { parseEvent } from "@cds/events";
import type { PipelineDeps, SearchOutcomeEvent } from "./ports.ts";

/**
 * Notify, on `Search Completed` / `Search Failed` / `Submission Completed`: queue the webhook
 * deliveries and send the email. Webhooks first: a failing mail server must not cost
 * subscribers their event.
 *
 * @example
 * bus.subscribe("notify", (event) => notify(event, deps));
 */
export async function notify(event: unknown, deps: Pick<PipelineDeps, "webhooks" | "email" | "emailSubmission">): Promise<void> {
  const parsed = parseEvent(event);
  if (parsed["detail-type"] === "Submission Completed") {
    await deps.webhooks.enqueueEvent(parsed);
    await deps.emailSubmission?.(parsed);
    return;
  }
  if (parsed["detail-type"] !== "Search Completed" && parsed["detail-type"] !== "Search Failed") return;
  const outcome = parsed as SearchOutcomeEvent;
  await deps.webhooks.enqueueEvent(outcome);
  await deps.email(outcome);
}
