import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEARCH_STATUSES, type SearchItem } from "@cds/core/entities";
import { generateWebhookSecret } from "@cds/core/notify";
import type { CatalogEvent } from "@cds/events";
import { endEventId, EventLog, openStateFolder, startLocalRuntime } from "@cds/local";
import { killWhen, startCds, type CdsChild } from "./support/cds-child.ts";
import { runCli } from "./support/run-cli.ts";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { waitFor } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { startSmtpReceiver, type SmtpReceiver } from "@cds/testing/smtp-receiver";
import { tempDir } from "@cds/testing/temp-dir";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

// Issue 11, "Done when": the durable outbox. The real bin in a child process, SIGKILLed three
// times with six searches in flight, then started again: every search ends with exactly one end
// event in the log, and the subscriber on 127.0.0.1 gets exactly one end event per search
// (counted by webhook-id, as a Standard Webhooks receiver deduplicates), and the mail server on
// 127.0.0.1 gets exactly one outcome email per search (a replayed end event sends no second one).

const TARGETS = 600;
const SHARD_SIZE = 10; // 60 batches per search
const MASKS = 6;
const END_TYPES = new Set(["Search Completed", "Search Failed"]);

describe("the durable outbox: cds dev SIGKILLed 3 times with 6 searches in flight", () => {
  let root: string;
  let hooks: WebhookReceiver;
  let smtp: SmtpReceiver;
  let running: CdsChild | undefined; // the latest cds dev, for afterAll

  beforeAll(async () => {
    root = await tempDir("cds-outbox-");
    await indexSprinkledLibrary({ root, name: "tiny", count: TARGETS, shardSize: SHARD_SIZE });
    hooks = await startWebhookReceiver(() => 204);
    smtp = await startSmtpReceiver();
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL"); // a failed run leaves none behind
    await hooks?.close();
    await smtp?.close();
  });

  it("ends every accepted search with exactly one end event; the 127.0.0.1 subscriber gets exactly one per search, and one email each", async () => {
    // Prepare: a subscriber on this machine, cds dev running, six masks dropped
    const added = await runCli(["webhooks", "add", hooks.url, "--allow-private", "--root", root]);
    expect(added.code).toBe(0);
    const subscriptionId = /subscription (\S+)/.exec(added.stdout)![1];
    const log = new EventLog(join(root, "events.log"));
    const endEvents = async () => (await readLines(log)).filter((e) => END_TYPES.has(e["detail-type"]));

    const mail = { CDS_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, CDS_NOTIFY_EMAIL: "lab@example.org" };
    let dev = startDev(root, mail);
    running = dev.running;
    await waitFor(() => (dev.output().includes("Ctrl-C stops") ? true : undefined), 60_000);
    for (let i = 0; i < MASKS; i++) {
      await uploadSprinkledMask({ root, library: "tiny", file: `m${i}.tif`, seed: 100 + i });
    }

    // Act: three SIGKILLs at different moments — searches starting, the first end events being
    // handled, and soon after a restart — then a last start that runs to the end
    const kills: (() => Promise<boolean>)[] = [
      async () => /started\s+\S+\s+\d+ batches/.test(dev.output()),
      async () => (await endEvents()).length >= 1,
      async () => dev.output().includes("Ctrl-C stops"),
    ];
    for (const [n, ready] of kills.entries()) {
      await killWhen(dev.running, ready, 5);
      const killed = await dev.running.exited;
      expect(killed.signal, `kill ${n + 1}`).toBe("SIGKILL");
      dev = startDev(root, mail);
      running = dev.running;
    }
    try {
      await waitFor(() => (dev.output().includes("Ctrl-C stops") ? true : undefined), 60_000);
      await waitFor(async () => {
        const searches = await withSearches(root);
        const ended = searches.filter((s) => s.status === "completed" || s.status === "failed");
        const hooked = new Set(hooks.received.map((h) => h.headers["webhook-id"]));
        const mailed = new Set(smtp.received.map((r) => r.mail.subject));
        return searches.length === MASKS && ended.length === MASKS && hooked.size >= MASKS && mailed.size >= MASKS ? true : undefined;
      }, 240_000, 500);
    } finally {
      dev.running.child.kill("SIGINT");
    }
    expect((await dev.running.exited).code).toBe(0);

    // Assess: one end event per search in the log, with its fixed id; one webhook-id per search
    const searches = await withSearches(root);
    expect(searches).toHaveLength(MASKS);
    const logged = await endEvents();
    const accepted = (await readLines(log)).filter((e) => e["detail-type"] === "Search Accepted");
    for (const search of searches) {
      const ends = logged.filter((e) => (e.detail as { searchId?: string }).searchId === search.searchId);
      expect(ends.map((e) => e.id), `end events of ${search.searchId}`).toEqual([endEventId(search.searchId)]);
      const received = hooks.received.filter((h) => (JSON.parse(h.body) as CatalogEvent & { detail: { searchId?: string } }).detail.searchId === search.searchId);
      expect(new Set(received.map((h) => h.headers["webhook-id"])), `webhooks of ${search.searchId}`).toEqual(new Set([`${subscriptionId}/${endEventId(search.searchId)}`]));
      // Announced as accepted too, though intake may have been killed between its write and its publish.
      expect(accepted.filter((e) => (e.detail as { searchId?: string }).searchId === search.searchId).length, `Search Accepted of ${search.searchId}`).toBeGreaterThanOrEqual(1);
      const emails = smtp.received.filter((r) => r.mail.subject?.includes(search.searchId));
      expect(emails.map((r) => r.envelopeTo), `emails about ${search.searchId}`).toEqual([["lab@example.org"]]);
    }
    expect(searches.every((s) => s.endEventPending === undefined)).toBe(true);
  });
});

describe("the durable outbox: a webhook retry waiting when cds dev stops", () => {
  it("is sent after the restart, with the same webhook-id, and the delivery ends delivered", async () => {
    // Prepare: a receiver that refuses the first attempt, so the delivery waits for its retry
    const root = await tempDir("cds-outbox-stop-");
    await indexSprinkledLibrary({ root, name: "tiny", count: 40, shardSize: 10 });
    const hooks = await startWebhookReceiver((n) => (n === 0 ? 500 : 204));
    const options = { root, pollMs: 50, uploadSettleMs: 0, webhookRetry: { baseDelaySeconds: 2, maxDelaySeconds: 2 }, onError: () => undefined };
    try {
      let runtime = await startLocalRuntime(options);
      const subscription = await runtime.state.createSubscription({ url: hooks.url, events: ["Search Completed"], secret: generateWebhookSecret(), allowPrivate: true });
      await uploadSprinkledMask({ root, library: "tiny", file: "m.tif" });
      await waitFor(() => (hooks.received.length === 1 ? true : undefined), 60_000);

      // Act: stop while the retry waits its backoff (1–2 s), start again
      await runtime.stop();
      const afterStop = hooks.received.length;
      runtime = await startLocalRuntime(options);
      try {
        await waitFor(() => (hooks.received.length >= 2 ? true : undefined), 30_000);
        // Assess: the retry came after the restart, with the first attempt's webhook-id; recorded delivered
        expect(afterStop).toBe(1);
        const [first, retry] = hooks.received;
        expect(retry!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
        const deliveryId = String(first!.headers["webhook-id"]);
        expect(deliveryId.startsWith(`${subscription.subscriptionId}/`)).toBe(true);
        await waitFor(async () => ((await runtime.state.listDeliveryAttempts(deliveryId)).some((a) => a.status === "delivered") ? true : undefined));
        const attempts = await runtime.state.listDeliveryAttempts(deliveryId);
        expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
          [1, "failed"],
          [2, "delivered"],
        ]);
      } finally {
        await runtime.stop();
      }
      expect(hooks.received).toHaveLength(2);
    } finally {
      await hooks.close();
    }
  });
});

function startDev(root: string, env: NodeJS.ProcessEnv = {}): { running: CdsChild; output: () => string } {
  const running = startCds(["dev", "--root", root, "--poll-ms", "50", "--settle-ms", "0", "--sweep-every", "2"], root, { ...process.env, ...env });
  let text = "";
  running.child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  running.child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { running, output: () => text };
}

/** The log's whole lines (a SIGKILL may cut the last one short). */
async function readLines(log: EventLog): Promise<CatalogEvent[]> {
  try {
    return await log.read();
  } catch {
    const text = await readFile(log.file, "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((line) => line.endsWith("}"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as CatalogEvent];
        } catch {
          return [];
        }
      });
  }
}

/** Every search in the state, whatever its status (opened shared while cds dev runs, or alone). */
async function withSearches(root: string): Promise<SearchItem[]> {
  const opened = await openStateFolder(join(root, "state"));
  try {
    const all: SearchItem[] = [];
    for (const status of SEARCH_STATUSES) {
      let cursor: string | null = null;
      do {
        const page = await opened.state.listSearchesByStatus(status, { cursor });
        all.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
    }
    return all;
  } finally {
    await opened.close();
  }
}
