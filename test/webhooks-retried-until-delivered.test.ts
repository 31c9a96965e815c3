import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { DeliveryItem, SubscriptionItem } from "@cds/core/entities";
import { generateWebhookSecret } from "@cds/core/notify";
import { startLocalRuntime, type LocalRuntime } from "@cds/local";
import { runCli } from "./support/run-cli.ts";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { acceptedSearchId, isSearchEvent, waitFor, waitForEvent } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { tempDir } from "@cds/testing/temp-dir";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

// Issue 4, "Done when": a webhook receiver that answers 500 twice then 200 gets the event on the
// third attempt; one that never answers ends in the dead-letter queue with all attempts listed.
// Through the running runtime (bus → notify → delivery queue → sender), not the sender alone.

const MAX_ATTEMPTS = 4;

// One runtime, its four receivers and one completed search for every test below, started once.
let root: string;
let runtime: LocalRuntime;
let flaky: WebhookReceiver;
let broken: WebhookReceiver;
let hanging: { url: string; close(): Promise<void> };
let closedPort: number;
const subscriptions: Record<"flaky" | "broken" | "silent" | "hanging", SubscriptionItem> = {} as never;
let searchId: string;
let completedId: string;

beforeAll(async () => {
  root = await tempDir("cds-hook-retries-");
  await indexSprinkledLibrary({ root, name: "tiny", count: 60, shardSize: 20 });
  flaky = await startWebhookReceiver((n) => (n < 2 ? 500 : 200));
  broken = await startWebhookReceiver(() => 500);
  closedPort = await freePort();
  hanging = await startSilentReceiver();
  // Tiny backoff (10–20 ms before jitter) so the whole retry ladder takes well under a second.
  runtime = await startLocalRuntime({
    root,
    pollMs: 50,
    retryDelaysMs: [20, 20],
    webhookRetry: { maxAttempts: MAX_ATTEMPTS, baseDelaySeconds: 0.01, maxDelaySeconds: 0.02 },
    webhookTimeoutMs: 150,
    onError: () => undefined,
  });
  const events = ["Search Completed"];
  subscriptions.flaky = await runtime.state.createSubscription({ url: flaky.url, events, secret: generateWebhookSecret(), allowPrivate: true });
  subscriptions.broken = await runtime.state.createSubscription({ url: broken.url, events, secret: generateWebhookSecret(), allowPrivate: true });
  subscriptions.silent = await runtime.state.createSubscription({ url: `http://127.0.0.1:${closedPort}/hook`, events, secret: generateWebhookSecret(), allowPrivate: true });
  subscriptions.hanging = await runtime.state.createSubscription({ url: hanging.url, events, secret: generateWebhookSecret(), allowPrivate: true });

  await uploadSprinkledMask({ root, library: "tiny", file: "m.tif" });
  searchId = await acceptedSearchId(runtime, "tiny/m.tif");
  completedId = (await waitForEvent(runtime, (e) => isSearchEvent(e, "Search Completed", searchId))).id;
});

afterAll(async () => {
  await runtime?.stop();
  await flaky?.close();
  await broken?.close();
  await hanging?.close();
});

describe("webhook retries through the local runtime: a receiver that recovers", () => {
  it("delivers Search Completed on the third attempt to a receiver that answers 500, 500, 200, every attempt signed and recorded", async () => {
    // Act: wait for the delivered attempt
    const attempts = await waitFor(async () => {
      const all = await attemptsOf(runtime, subscriptions.flaky.subscriptionId);
      return all.some((a) => a.status === "delivered") ? all : undefined;
    });

    // Assess: the receiver's view
    expect(flaky.received.map((r) => r.answered)).toEqual([500, 500, 200]);
    const hook = new Webhook(subscriptions.flaky.secret);
    for (const request of flaky.received) {
      expect(hook.verify(request.body, request.headers as Record<string, string>)).toMatchObject({ id: completedId, "detail-type": "Search Completed", detail: { searchId } });
    }
    expect(new Set(flaky.received.map((r) => r.headers["webhook-id"])).size).toBe(1); // one message id across retries
    // the state's view: three attempts, in order
    expect(attempts.map((a) => [a.attempt, a.status, a.statusCode])).toEqual([
      [1, "failed", 500],
      [2, "failed", 500],
      [3, "delivered", 200],
    ]);
    expect(attempts.every((a) => typeof a.latencyMs === "number")).toBe(true);
  });
});

describe("webhook retries through the local runtime: receivers that never take the delivery", () => {
  it.each([
    ["always answers 500", "broken" as const],
    ["refuses the connection (nobody listening)", "silent" as const],
    ["never answers", "hanging" as const],
  ])("dead-letters the delivery to a receiver that %s after all attempts, each listed by `cds webhooks deliveries`", async (_what, which) => {
    // Act
    const attempts = await waitFor(async () => {
      const all = await attemptsOf(runtime, subscriptions[which].subscriptionId);
      return all.some((a) => a.status === "dead-lettered") ? all : undefined;
    });

    // Assess: MAX_ATTEMPTS attempts, the last dead-lettered, none pending
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      ...Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => [i + 1, "failed"]),
      [MAX_ATTEMPTS, "dead-lettered"],
    ]);
    if (which === "broken") {
      expect(attempts.map((a) => a.statusCode)).toEqual(Array(MAX_ATTEMPTS).fill(500));
      expect(broken.received).toHaveLength(MAX_ATTEMPTS);
    } else if (which === "silent") {
      for (const a of attempts) expect(a.error).toMatch(/ECONNREFUSED|connect|fetch failed/i);
    } else {
      for (const a of attempts) expect(a.error).toMatch(/no response within 150 ms/);
    }
    // the whole message sits in the dead-letter queue, ready for a redrive
    const dead = runtime.deadLetters.peek().filter((m) => m.subscriptionId === subscriptions[which].subscriptionId);
    expect(dead.map((m) => [m.attempt, m.eventType, JSON.parse(m.body).id])).toEqual([[MAX_ATTEMPTS, "Search Completed", completedId]]);
    // no further attempt after dead-lettering
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await attemptsOf(runtime, subscriptions[which].subscriptionId)).toHaveLength(MAX_ATTEMPTS);

    // the CLI lists them while the runtime runs (through root/state/endpoint.json)
    const listed = await runCli(["webhooks", "deliveries", subscriptions[which].subscriptionId, "--root", root]);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.split("\n").flatMap((line) => {
      const m = /Search Completed\s+(\d+)\s+(\S+)/.exec(line);
      return m ? [[Number(m[1]), m[2]]] : [];
    });
    expect(rows.sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(attempts.map((a) => [a.attempt, a.status]));
  });
});

/** The subscription's attempts (at most one delivery here), oldest first, pending ones left out. */
async function attemptsOf(runtime: LocalRuntime, subscriptionId: string): Promise<DeliveryItem[]> {
  const page = await runtime.state.listDeliveriesOfSubscription(subscriptionId, { limit: 100 });
  return page.items.filter((a) => a.status !== "pending").sort((a, b) => a.attempt - b.attempt);
}

/** A real HTTP server on 127.0.0.1 that reads each request and never answers it. */
async function startSilentReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
