import { describe, expect, it } from "vitest";
import { decideAfterAttempt, DEFAULT_RETRY_POLICY, planWebhookDeliveries, retryDelaySeconds } from "@cds/core/notify";
import { searchCompletedEvent } from "@cds/testing/catalog-events";

describe("webhook planning", () => {
  const subscription = (subscriptionId: string, events: string[], active = true) => ({ subscriptionId, events, active });

  it("plans one first attempt per active subscription that wants the event type", () => {
    const event = searchCompletedEvent("evt-plan");

    const planned = planWebhookDeliveries(event, [subscription("a", ["Search Completed"]), subscription("b", ["Search Failed"]), subscription("c", ["Search Completed"], false)]);

    expect(planned).toEqual([{ deliveryId: "a/evt-plan", subscriptionId: "a", eventId: "evt-plan", eventType: "Search Completed", attempt: 1, body: JSON.stringify(event) }]);
  });

  it("backs off exponentially with equal jitter, capped", () => {
    const policy = { maxAttempts: 8, baseDelaySeconds: 10, maxDelaySeconds: 900 };

    expect([1, 2, 3, 8].map((n) => retryDelaySeconds(n, policy, () => 0))).toEqual([5, 10, 20, 450]);
    expect([1, 2, 3, 8].map((n) => retryDelaySeconds(n, policy, () => 1))).toEqual([10, 20, 40, 900]);
    expect(DEFAULT_RETRY_POLICY.maxDelaySeconds).toBeLessThanOrEqual(900); // SQS's longest delay
  });

  it("retries anything but a 2xx until the last attempt, then dead-letters", () => {
    const message = planWebhookDeliveries(searchCompletedEvent("evt-decide"), [subscription("a", ["Search Completed"])])[0];
    const policy = { maxAttempts: 3, baseDelaySeconds: 1, maxDelaySeconds: 60 };

    expect(decideAfterAttempt(message, { statusCode: 204, latencyMs: 1 }, policy).status).toBe("delivered");
    expect(decideAfterAttempt(message, { statusCode: 302, latencyMs: 1 }, policy, () => 0)).toMatchObject({ status: "failed", delaySeconds: 0.5, retry: { attempt: 2 } });
    expect(decideAfterAttempt(message, { error: "refused", latencyMs: 1 }, policy).status).toBe("failed");
    expect(decideAfterAttempt({ ...message, attempt: 3 }, { statusCode: 500, latencyMs: 1 }, policy).status).toBe("dead-lettered");
  });
});
