import { lookup } from "node:dns/promises";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkWebhookTarget, checkWebhookUrl, forbiddenAddressKind, generateWebhookSecret, secretFingerprint } from "@cds/core";
import type { StateStore } from "@cds/core";
import { readFixture, searchCompleted } from "@cds/events";
import { createWebhookSender, InProcessDeliveryQueue, startLocalState } from "@cds/local";
import type { LocalState } from "@cds/local";
import { main } from "../../cli/src/index.ts";
import { memoryIo } from "../../cli/src/io.ts";

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

function completedEvent(id: string) {
  const event = readFixture(searchCompleted);
  event.id = id;
  return event;
}

async function cds(args: string[]) {
  const io = memoryIo(process.cwd());
  const code = await main(["node", "cds", ...args], io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

let local: LocalState;
let state: StateStore;
const receivers: { close(): Promise<void> }[] = [];
const tiny = { baseDelaySeconds: 0.005, maxDelaySeconds: 0.01 };

beforeAll(async () => {
  local = await startLocalState();
  state = local.state;
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  for (const s of await state.listSubscriptions()) await state.removeSubscription(s.subscriptionId);
});
afterAll(async () => {
  await local?.stop();
});

describe("webhook targets: the address policy", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fd12:3456::1", "private"],
    ["169.254.169.254", "cloud metadata"],
    ["fd00:ec2::254", "cloud metadata"],
    ["169.254.10.20", "link-local"],
    ["fe80::1", "link-local"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:a9fe:a9fe", "cloud metadata"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
  ])("refuses %s as %s", (ip, kind) => {
    expect(forbiddenAddressKind(ip)).toBe(kind);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111"])("lets the public address %s through", (ip) => {
    expect(forbiddenAddressKind(ip)).toBeUndefined();
  });

  it("refuses URLs with credentials even when private hosts are allowed, and never echoes the password", () => {
    for (const allowPrivate of [false, true]) {
      expect(() => checkWebhookUrl("https://ada:hunter2@hooks.example.org/x", { allowPrivate })).toThrow(/user name or password/);
      try {
        checkWebhookUrl("https://ada:hunter2@hooks.example.org/x", { allowPrivate });
      } catch (error) {
        expect((error as Error).message).not.toContain("hunter2");
      }
    }
  });

  it("refuses private literals in every spelling the URL parser accepts (decimal, hex, mapped IPv6, localhost)", () => {
    for (const url of ["http://2130706433/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://localhost:8080/", "http://api.localhost/", "http://169.254.169.254/latest/meta-data/"]) {
      expect(() => checkWebhookUrl(url, { allowPrivate: false }), url).toThrow(/--allow-private/);
      expect(checkWebhookUrl(url, { allowPrivate: true }).href).toBeTruthy();
    }
  });

  it("refuses at subscribe time a name that resolves to a private address, unless allowed", async () => {
    const resolve = async () => [{ address: "203.0.113.9", family: 4 }, { address: "10.0.0.7", family: 4 }];
    await expect(checkWebhookTarget("https://inside.example/hook", { allowPrivate: false, resolve })).rejects.toThrow(/inside\.example resolves to 10\.0\.0\.7, a private address/);
    await expect(checkWebhookTarget("https://inside.example/hook", { allowPrivate: true, resolve })).resolves.toBeInstanceOf(URL);
  });
});

describe("cds webhooks add / list / rotate", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cds-hooks-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("refuses the metadata address, private and credential URLs; takes a loopback receiver only with --allow-private", async () => {
    for (const url of ["http://169.254.169.254/", "http://10.0.0.5/hook", "http://127.0.0.1:9/hook"]) {
      const refused = await cds(["webhooks", "add", url, "--root", root]);
      expect(refused.code, url).not.toBe(0);
      expect(refused.err).toMatch(/--allow-private/);
    }
    const withPassword = await cds(["webhooks", "add", "http://u:secretpw@127.0.0.1:9/hook", "--allow-private", "--root", root]);
    expect(withPassword.code).not.toBe(0);
    expect(withPassword.err).not.toContain("secretpw");
    expect((await cds(["webhooks", "list", "--root", root])).out).toMatch(/no webhook subscriptions/);

    const added = await cds(["webhooks", "add", "http://127.0.0.1:9/hook", "--allow-private", "--root", root]);
    expect(added.code).toBe(0);
    const secret = /secret\s+(whsec_\S+)/.exec(added.out)![1];
    const listed = await cds(["webhooks", "list", "--root", root]);
    expect(listed.out).not.toContain(secret);
    expect(listed.out).toContain(secretFingerprint(secret));
    expect(listed.out).toMatch(/allowed/);
  });

  it("rotate prints a new secret once, lists the old one's grace period, and refuses an unknown id", async () => {
    const added = await cds(["webhooks", "add", "https://hooks.example.org/cds", "--allow-private", "--root", root]);
    const id = /subscription (\S+)/.exec(added.out)![1];
    const rotated = await cds(["webhooks", "rotate", id, "--grace", "2", "--root", root]);
    expect(rotated.code).toBe(0);
    const fresh = /secret\s+(whsec_\S+)/.exec(rotated.out)![1];
    const listed = (await cds(["webhooks", "list", "--root", root])).out;
    expect(listed).toContain(secretFingerprint(fresh));
    expect(listed).toMatch(/previous until/);
    expect(listed).not.toContain(fresh);
    expect((await cds(["webhooks", "rotate", "no-such-id", "--root", root])).code).not.toBe(0);
  });

  it("creates the state folder 0700 with its files 0600", async () => {
    const folder = join(root, "state");
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const files = await readdir(folder, { recursive: true, withFileTypes: true });
    expect(files.filter((f) => f.isFile()).length).toBeGreaterThan(0);
    for (const file of files) {
      const mode = (await stat(join(file.parentPath, file.name))).mode & 0o777;
      expect(mode, file.name).toBe(file.isDirectory() ? 0o700 : 0o600);
    }
  });
});

describe("webhook sending", () => {
  it("refuses at send time a loopback receiver whose subscription does not allow private hosts (nothing reaches it)", async () => {
    const receiver = await startReceiver();
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: generateWebhookSecret() });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), retryPolicy: { ...tiny, maxAttempts: 2 } });
    await sender.enqueueEvent(completedEvent("evt-loop"));
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
    await sender.enqueueEvent(completedEvent("evt-rebind"));
    await sender.runUntilIdle(0.2);
    const [attempt] = await state.listDeliveryAttempts(`${subscription.subscriptionId}/evt-rebind`);
    expect(attempt.status).toBe("dead-lettered");
    expect(attempt.error).toContain(`${name} resolves to`);
    expect(receiver.hits).toHaveLength(0);
  });

  it("does not follow a redirect: the signed body never reaches the redirect's target", async () => {
    const elsewhere = await startReceiver();
    const redirecting = await startReceiver((res) => res.writeHead(307, { location: elsewhere.url }).end());
    const subscription = await state.createSubscription({ url: redirecting.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue(), retryPolicy: { ...tiny, maxAttempts: 1 } });
    await sender.enqueueEvent(completedEvent("evt-redirect"));
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
    await sender.enqueueEvent(completedEvent("evt-big"));
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
      await sender.enqueueEvent(completedEvent("evt-one"));
      while (hanging.hits.length < 1 || quick.hits.length < 1) await new Promise((r) => setTimeout(r, 10));
      await sender.enqueueEvent(completedEvent("evt-two"));
      while (quick.hits.length < 2) await new Promise((r) => setTimeout(r, 10));
      // The quick receiver has event two while the hanging one's first attempt is still open.
      const [first] = await state.listDeliveryAttempts(`${slow.subscriptionId}/evt-one`);
      expect(first.status).toBe("pending");
    } finally {
      await hanging.close();
      await worker.stop();
    }
  });

  it("signs with both secrets during a rotation's grace period, and with the new one only after", async () => {
    const receiver = await startReceiver();
    const oldSecret = generateWebhookSecret();
    const subscription = await state.createSubscription({ url: receiver.url, events: ["Search Completed"], secret: oldSecret, allowPrivate: true });
    const newSecret = generateWebhookSecret();
    const rotated = await state.rotateSubscriptionSecret(subscription.subscriptionId, newSecret, new Date(Date.now() + 3600_000));
    expect(rotated).toMatchObject({ secret: newSecret, previousSecret: oldSecret });
    const sender = createWebhookSender({ state, queue: new InProcessDeliveryQueue() });
    await sender.enqueueEvent(completedEvent("evt-grace"));
    await sender.runUntilIdle(0.2);
    const verify = (secret: string, hit: Hit) => new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>);
    expect(receiver.hits[0].headers["webhook-signature"]).toMatch(/^v1,\S+ v1,\S+$/);
    expect(() => verify(newSecret, receiver.hits[0])).not.toThrow();
    expect(() => verify(oldSecret, receiver.hits[0])).not.toThrow();

    await state.rotateSubscriptionSecret(subscription.subscriptionId, generateWebhookSecret(), new Date(Date.now() - 1));
    await sender.enqueueEvent(completedEvent("evt-after"));
    await sender.runUntilIdle(0.2);
    expect(() => verify(oldSecret, receiver.hits[1])).toThrow();
    expect(() => verify(newSecret, receiver.hits[1])).toThrow(); // newSecret was itself rotated out, with no grace
    expect(await state.rotateSubscriptionSecret("gone", generateWebhookSecret(), new Date())).toBeUndefined();
  });
});
