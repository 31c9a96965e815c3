import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateWebhookSecret } from "@cds/core/notify";
import type { WebhookDeliveryMessage } from "@cds/core/notify";
import type { StateStore } from "@cds/core/state";
import { readFixture, searchFailed } from "@cds/events";
import { createWebhookSender } from "@cds/functions";
import { InProcessDeliveryQueue } from "@cds/local";
import { searchCompletedEvent } from "@cds/testing/catalog-events";
import { webhookStateHooks } from "@cds/testing/webhook-state";

/** Backoff in milliseconds, so a whole retry schedule runs in a test. */
const TINY_BACKOFF = { baseDelaySeconds: 0.005, maxDelaySeconds: 0.02 };

type ReceivedRequest = { method: string; headers: IncomingHttpHeaders; body: string };

/** A real HTTP receiver on 127.0.0.1 answering the n-th request (from 1) with `statusFor(n)`. */
async function startReceiver(statusFor: (n: number) => number | "hang" = () => 200) {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = statusFor(requests.length);
      if (status === "hang") return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/cds`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A loopback port with nothing listening: bound, then released. */
async function closedPortUrl(): Promise<string> {
  const receiver = await startReceiver();
  await receiver.close();
  return receiver.url;
}

let state: StateStore;
const receivers: { close(): Promise<void> }[] = [];
webhookStateHooks((s) => (state = s), receivers);

describe("webhook delivery to a real HTTP receiver: the signature", () => {
  it("signs each webhook so that standardwebhooks' Webhook.verify accepts it with the subscription secret", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const secret = generateWebhookSecret();
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret, allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue() });
    const event = searchCompletedEvent("evt-signed");

    await sender.enqueueEvent(event);
    await sender.runUntilIdle(0.2);

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request.method).toBe("POST");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["webhook-id"]).toBe(`${subscription.subscriptionId}/evt-signed`);
    expect(request.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { "webhook-id": String(request.headers["webhook-id"]), "webhook-timestamp": String(request.headers["webhook-timestamp"]), "webhook-signature": String(request.headers["webhook-signature"]) };
    expect(new Webhook(secret).verify(request.body, headers)).toEqual(event);
    expect(() => new Webhook(generateWebhookSecret()).verify(request.body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(request.body.replace("LH173", "XX173"), headers)).toThrow();
    expect((await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-signed`)).map((a) => [a.attempt, a.status, a.statusCode])).toEqual([[1, "delivered", 200]]);
  });
});

describe("webhook delivery to a real HTTP receiver: retries, dead letters and the errors recorded", () => {
  it("retries a receiver that fails twice with 500 and records attempts 500, 500, 200 with the delivery delivered", async () => {
    const receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    receivers.push(receiver);
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), retryPolicy: TINY_BACKOFF });

    await sender.enqueueEvent(searchCompletedEvent("evt-flaky"));
    await sender.runUntilIdle(0.2);

    const attempts = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-flaky`);
    expect(attempts.map((a) => [a.attempt, a.status, a.statusCode])).toEqual([
      [1, "failed", 500],
      [2, "failed", 500],
      [3, "delivered", 200],
    ]);
    expect(attempts.every((a) => typeof a.latencyMs === "number" && a.latencyMs >= 0)).toBe(true);
    // The same message each time: one webhook-id, one body, so the receiver can drop duplicates.
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
  });

  it("dead-letters a delivery after exactly the default 8 attempts to a receiver that always fails, and keeps it listable", async () => {
    const receiver = await startReceiver(() => 503);
    receivers.push(receiver);
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const deadLetters = new InProcessDeliveryQueue<WebhookDeliveryMessage>();
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), deadLetterQueue: deadLetters, retryPolicy: TINY_BACKOFF });

    await sender.enqueueEvent(searchCompletedEvent("evt-down"));
    await sender.runUntilIdle(0.2);

    expect(sender.policy.maxAttempts).toBe(8);
    expect(receiver.requests).toHaveLength(8);
    const attempts = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-down`);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(attempts.map((a) => a.status)).toEqual([...Array(7).fill("failed"), "dead-lettered"]);
    expect(attempts.every((a) => a.statusCode === 503)).toBe(true);
    const listed = await state.listDeliveriesOfSubscription(subscription.subscriptionId, { limit: 1 });
    expect(listed.items[0]).toMatchObject({ eventId: "evt-down", attempt: 8, status: "dead-lettered" });
    expect(deadLetters.peek()).toEqual([expect.objectContaining({ deliveryId: `${subscription.subscriptionId}/evt-down`, attempt: 8 })]);
  });

  it("records the network error of every attempt to a closed port", async () => {
    const subscription = await state.createSubscription({ url: await closedPortUrl(), events: ["Search Failed"], secret: generateWebhookSecret(), allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), retryPolicy: { ...TINY_BACKOFF, maxAttempts: 3 } });
    const event = readFixture(searchFailed);

    await sender.enqueueEvent(event);
    await sender.runUntilIdle(0.2);

    const attempts = await state.listDeliveryAttempts(`${subscription.subscriptionId}/${event.id}`);
    expect(attempts.map((a) => a.status)).toEqual(["failed", "failed", "dead-lettered"]);
    for (const a of attempts) {
      expect(a.statusCode).toBeUndefined();
      expect(a.error).toMatch(/ECONNREFUSED/);
    }
  });

  it("records a timeout when the receiver does not answer in time", async () => {
    const receiver = await startReceiver(() => "hang");
    receivers.push(receiver);
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), timeoutMs: 100, retryPolicy: { ...TINY_BACKOFF, maxAttempts: 1 } });

    await sender.enqueueEvent(searchCompletedEvent("evt-slow"));
    await sender.runUntilIdle(0.2);

    const [attempt] = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-slow`);
    expect(attempt).toMatchObject({ status: "dead-lettered", error: "no response within 100 ms" });
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(90);
  });
});

describe("webhook delivery to a real HTTP receiver: which subscriptions get it, and only once", () => {
  it("sends nothing to subscriptions that do not want the event's type, nor to inactive ones", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const wanted = await state.createSubscription({ url: `${receiver.url}?wanted`, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const failedOnly = await state.createSubscription({ url: `${receiver.url}?failed-only`, events: ["Search Failed"], secret: generateWebhookSecret(), allowPrivate: true });
    const paused = await state.createSubscription({ url: `${receiver.url}?paused`, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true, active: false });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue() });

    const planned = await sender.enqueueEvent(searchCompletedEvent("evt-filter"));
    await sender.runUntilIdle(0.2);

    expect(planned.map((m) => m.subscriptionId)).toEqual([wanted.subscriptionId]);
    expect(receiver.requests).toHaveLength(1);
    expect((await state.listDeliveriesOfSubscription(failedOnly.subscriptionId)).items).toEqual([]);
    expect((await state.listDeliveriesOfSubscription(paused.subscriptionId)).items).toEqual([]);
  });

  it("does not send an attempt again when its message is delivered twice", async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const queue = new InProcessDeliveryQueue<WebhookDeliveryMessage>();
    const sender = createWebhookSender({ state, queue });
    const [message] = await sender.enqueueEvent(searchCompletedEvent("evt-twice"));

    const first = await sender.handle(message);
    const second = await sender.handle(message);

    expect(first).toMatchObject({ status: "delivered", duplicate: false });
    expect(second).toMatchObject({ status: "delivered", duplicate: true });
    expect(receiver.requests).toHaveLength(1);
  });
});
