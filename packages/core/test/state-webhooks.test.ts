import { describe, expect, it } from "vitest";
import type { StateStore } from "@cds/core/state";
import { dynaliteStateForFile } from "@cds/testing/dynalite-state";

let state: StateStore;

dynaliteStateForFile((local) => (state = local.state), { onDisk: true });

describe("webhook subscriptions", () => {
  it("creates, reads, lists oldest first and removes subscriptions", async () => {
    const second = await state.createSubscription({ url: "https://b.example/hook", events: ["Search Failed"], secret: "whsec_b", createdAt: "2030-01-02T00:00:00.000Z" });
    const first = await state.createSubscription({ url: "https://a.example/hook", events: ["Search Completed"], secret: "whsec_a", createdAt: "2030-01-01T00:00:00.000Z" });

    expect(await state.getSubscription(first.subscriptionId)).toEqual({
      subscriptionId: first.subscriptionId,
      url: "https://a.example/hook",
      events: ["Search Completed"],
      secret: "whsec_a",
      createdAt: "2030-01-01T00:00:00.000Z",
      active: true,
    });
    expect((await state.listSubscriptions()).map((s) => s.url)).toEqual(["https://a.example/hook", "https://b.example/hook"]);

    expect(await state.removeSubscription(first.subscriptionId)).toBe(true);
    expect(await state.removeSubscription(first.subscriptionId)).toBe(false);
    expect(await state.getSubscription(first.subscriptionId)).toBeUndefined();
    expect((await state.listSubscriptions()).map((s) => s.subscriptionId)).toEqual([second.subscriptionId]);
    await state.removeSubscription(second.subscriptionId);
  });

  it("refuses a second subscription with an existing id", async () => {
    await state.createSubscription({ subscriptionId: "dup", url: "https://x.example", events: [], secret: "s" });

    await expect(state.createSubscription({ subscriptionId: "dup", url: "https://y.example", events: [], secret: "t" })).rejects.toThrow();
    expect((await state.getSubscription("dup"))?.url).toBe("https://x.example");
    await state.removeSubscription("dup");
  });

  it("lists only the active subscriptions that want an event type", async () => {
    const both = await state.createSubscription({ url: "https://both.example", events: ["Search Completed", "Search Failed"], secret: "s" });
    const failedOnly = await state.createSubscription({ url: "https://failed.example", events: ["Search Failed"], secret: "s" });
    const inactive = await state.createSubscription({ url: "https://off.example", events: ["Search Completed"], secret: "s", active: false });

    const completed = await state.listSubscriptionsForEvent("Search Completed");
    const failed = await state.listSubscriptionsForEvent("Search Failed");

    expect(completed.map((s) => s.subscriptionId)).toEqual([both.subscriptionId]);
    expect(new Set(failed.map((s) => s.subscriptionId))).toEqual(new Set([both.subscriptionId, failedOnly.subscriptionId]));
    expect(await state.listSubscriptionsForEvent("Search Accepted")).toEqual([]);
    for (const s of [both, failedOnly, inactive]) await state.removeSubscription(s.subscriptionId);
  });
});

describe("webhook deliveries", () => {
  it("records delivery attempts and lists a subscription's deliveries newest first, page by page", async () => {
    const base = { subscriptionId: "sub-list", eventType: "Search Completed" };
    await state.recordDeliveryAttempt({ ...base, eventId: "e1", attempt: 1, status: "failed", statusCode: 503, latencyMs: 120, error: "Service Unavailable", attemptedAt: "2030-01-01T00:00:01.000Z" });
    await state.recordDeliveryAttempt({ ...base, eventId: "e1", attempt: 2, status: "delivered", statusCode: 200, latencyMs: 80, attemptedAt: "2030-01-01T00:00:03.000Z" });
    await state.recordDeliveryAttempt({ ...base, eventId: "e2", attempt: 1, status: "delivered", statusCode: 204, latencyMs: 40, attemptedAt: "2030-01-01T00:00:02.000Z" });
    await state.recordDeliveryAttempt({ subscriptionId: "other", eventType: "Search Failed", eventId: "e3", attempt: 1, status: "dead-lettered", attemptedAt: "2030-01-01T00:00:04.000Z" });

    const firstPage = await state.listDeliveriesOfSubscription("sub-list", { limit: 2 });
    const secondPage = await state.listDeliveriesOfSubscription("sub-list", { limit: 2, cursor: firstPage.cursor });

    expect([...firstPage.items, ...secondPage.items].map((d) => [d.eventId, d.attempt, d.status])).toEqual([
      ["e1", 2, "delivered"],
      ["e2", 1, "delivered"],
      ["e1", 1, "failed"],
    ]);
    expect(firstPage.items[0]).toEqual({
      deliveryId: "sub-list/e1",
      subscriptionId: "sub-list",
      eventId: "e1",
      eventType: "Search Completed",
      attempt: 2,
      status: "delivered",
      statusCode: 200,
      latencyMs: 80,
      attemptedAt: "2030-01-01T00:00:03.000Z",
    });
    expect((await state.listDeliveryAttempts("sub-list/e1")).map((d) => d.attempt)).toEqual([1, 2]);
  });

  it("replaces a pending attempt with its outcome but never overwrites a settled one", async () => {
    const attempt = { subscriptionId: "sub-settle", eventId: "e9", eventType: "Search Failed", attempt: 1 };

    const pending = await state.recordDeliveryAttempt({ ...attempt, status: "pending" });
    const outcome = await state.recordDeliveryAttempt({ ...attempt, status: "delivered", statusCode: 200 });
    const duplicate = await state.recordDeliveryAttempt({ ...attempt, status: "failed", statusCode: 500 });

    expect(pending.recorded).toBe(true);
    expect(outcome).toMatchObject({ recorded: true, delivery: { status: "delivered", statusCode: 200 } });
    expect(duplicate).toMatchObject({ recorded: false, delivery: { status: "delivered", statusCode: 200 } });
    expect(await state.listDeliveryAttempts("sub-settle/e9")).toHaveLength(1);
  });
});

describe("libraries", () => {
  it("stores, replaces, reads and lists library records by name", async () => {
    await state.putLibrary({ name: "vnc-lm", location: "libraries/vnc-lm", count: 200, width: 1210, height: 566, indexedAt: "2030-01-01T00:00:00.000Z" });
    await state.putLibrary({ name: "flylight-gen1", location: "libraries/gen1", count: 100, width: 1210, height: 566, indexedAt: "2030-01-01T00:00:00.000Z" });
    await state.putLibrary({ name: "vnc-lm", location: "libraries/vnc-lm-v2", count: 250, width: 1210, height: 566 });

    expect(await state.getLibrary("vnc-lm")).toMatchObject({ location: "libraries/vnc-lm-v2", count: 250 });
    expect(await state.getLibrary("missing")).toBeUndefined();
    expect((await state.listLibraries()).map((l) => l.name)).toEqual(["flylight-gen1", "vnc-lm"]);
  });
});
