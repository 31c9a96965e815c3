import { lookup } from "node:dns/promises";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { checkWebhookUrl, forbiddenAddressKind, generateWebhookSecret } from "@cds/core/notify";
import type { StateStore } from "@cds/core/state";
import { createWebhookSender } from "@cds/functions";
import { InProcessDeliveryQueue } from "@cds/local";
import { searchCompletedEvent } from "@cds/testing/catalog-events";
import { webhookStateHooks } from "@cds/testing/webhook-state";

type Hit = { headers: IncomingHttpHeaders; body: string };

/** A real receiver on 127.0.0.1; `answer` writes the response (default 204). */
async function startReceiver(answer: (res: ServerResponse, n: number) => void = (res) => res.writeHead(204).end()) {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      hits.push({ headers: req.headers, body });
      answer(res, hits.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  receivers.push(receiver);
  return receiver;
}

let state: StateStore;
const receivers: { close(): Promise<void> }[] = [];
const tiny = { baseDelaySeconds: 0.005, maxDelaySeconds: 0.01 };
webhookStateHooks((s) => (state = s), receivers);

describe("webhook sending: private addresses refused, also after a name is rebound", () => {
  it("refuses at send time a loopback receiver whose subscription does not allow private hosts (nothing reaches it)", async () => {
    const receiver = await startReceiver();
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: generateWebhookSecret() });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), retryPolicy: { ...tiny, maxAttempts: 2 } });
    await sender.enqueueEvent(searchCompletedEvent("evt-loop"));
    await sender.runUntilIdle(0.2);
    expect(receiver.hits).toHaveLength(0);
    const attempts = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-loop`);
    expect(attempts.map((a) => a.status)).toEqual(["failed", "dead-lettered"]);
    expect(attempts[0].error).toMatch(/127\.0\.0\.1 is a loopback address/);
  });

  it("checks the address the name resolves to when connecting (a name that passed once and now points inside is refused)", async (context) => {
    // The machine's own name resolves, through the system resolver, to one of its own
    // addresses: a stand-in for a rebound name. It passes the URL check (it is not a literal).
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length === 0 || !addresses.every((a) => forbiddenAddressKind(a.address))) {
      context.skip(`this machine's name ${name} does not resolve to private addresses only; nothing to rebind with`);
    }
    const receiver = await startReceiver();
    const url = `http://${name}:${receiver.port}/hook`;
    expect(() => checkWebhookUrl(url, { allowPrivate: false })).not.toThrow();
    const subscription = await state.createSubscription({ url, events: ["Search Completed"], secret: generateWebhookSecret() });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), retryPolicy: { ...tiny, maxAttempts: 1 } });
    await sender.enqueueEvent(searchCompletedEvent("evt-rebind"));
    await sender.runUntilIdle(0.2);
    const [attempt] = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-rebind`);
    expect(attempt.status).toBe("dead-lettered");
    expect(attempt.error).toContain(`${name} resolves to`);
    expect(receiver.hits).toHaveLength(0);
  });
});

describe("webhook sending: receivers that redirect, flood or hang", () => {
  it("does not follow a redirect: the signed body never reaches the redirect's target", async () => {
    const elsewhere = await startReceiver();
    const redirecting = await startReceiver((res) => res.writeHead(307, { location: elsewhere.url }).end());
    const subscription = await state.createSubscription({ url: redirecting.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), retryPolicy: { ...tiny, maxAttempts: 1 } });
    await sender.enqueueEvent(searchCompletedEvent("evt-redirect"));
    await sender.runUntilIdle(0.2);
    expect(redirecting.hits).toHaveLength(1);
    expect(elsewhere.hits).toHaveLength(0);
    const [attempt] = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-redirect`);
    expect(attempt).toMatchObject({ statusCode: 307, status: "dead-lettered" });
  });

  it("reads at most 64 KiB of an answer: a 50 MB body is cut off, the delivery still counts", async () => {
    let finished: boolean | undefined;
    const receiver = await startReceiver((res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent >= 50) res.end();
      };
      res.on("drain", () => { sent++; pump(); });
      res.on("finish", () => (finished = true));
      res.on("close", () => (finished ??= false));
      pump();
    });
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue() });
    await sender.enqueueEvent(searchCompletedEvent("evt-big"));
    await sender.runUntilIdle(0.2);
    const [attempt] = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-big`);
    expect(attempt).toMatchObject({ status: "delivered", statusCode: 200 });
    for (let i = 0; i < 100 && finished === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect(finished).toBe(false);
  });

  it("delivers to each subscriber independently: a hanging one does not hold back the next event to another", async () => {
    const hanging = await startReceiver(() => undefined);
    const quick = await startReceiver();
    const slow = await state.createSubscription({ url: hanging.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    await state.createSubscription({ url: quick.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), timeoutMs: 5000, retryPolicy: { maxAttempts: 1 } });
    const worker = sender.start(0.05);
    try {
      await sender.enqueueEvent(searchCompletedEvent("evt-one"));
      while (hanging.hits.length < 1 || quick.hits.length < 1) await new Promise((r) => setTimeout(r, 10));
      await sender.enqueueEvent(searchCompletedEvent("evt-two"));
      while (quick.hits.length < 2) await new Promise((r) => setTimeout(r, 10));
      // The quick receiver has event two while the hanging one's first attempt is still open.
      const [first] = await state.listDeliveryAttempts(`${slow.subscriptionId}/evt-one`);
      expect(first.status).toBe("pending");
    } finally {
      await hanging.close();
      await worker.stop();
    }
  });
});

describe("webhook sending: signing through a secret rotation", () => {
  it("signs with both secrets during a rotation's grace period, and with the new one only after", async () => {
    const receiver = await startReceiver();
    const oldSecret = generateWebhookSecret();
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: oldSecret, allowPrivate: true });
    const newSecret = generateWebhookSecret();
    const rotated = await state.rotateSubscriptionSecret(subscription.subscriptionId, newSecret, new Date(Date.now() + 3600_000));
    expect(rotated).toMatchObject({ secret: newSecret, previousSecret: oldSecret });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue() });
    await sender.enqueueEvent(searchCompletedEvent("evt-grace"));
    await sender.runUntilIdle(0.2);
    const verify = (secret: string, hit: Hit) => new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>);
    expect(receiver.hits[0].headers["webhook-signature"]).toMatch(/^v1,\S+ v1,\S+$/);
    expect(() => verify(newSecret, receiver.hits[0])).not.toThrow();
    expect(() => verify(oldSecret, receiver.hits[0])).not.toThrow();

    await state.rotateSubscriptionSecret(subscription.subscriptionId, generateWebhookSecret(), new Date(Date.now() - 1));
    await sender.enqueueEvent(searchCompletedEvent("evt-after"));
    await sender.runUntilIdle(0.2);
    expect(() => verify(oldSecret, receiver.hits[1])).toThrow();
    expect(() => verify(newSecret, receiver.hits[1])).toThrow(); // newSecret was itself rotated out, with no grace
    expect(await state.rotateSubscriptionSecret("gone", generateWebhookSecret(), new Date())).toBeUndefined();
  });
});
