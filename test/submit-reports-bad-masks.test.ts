import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import type { SubmissionSummary } from "@cds/core/submission";
import type { CatalogEvent } from "@cds/events";
import { startLocalRuntime, type LocalRuntime } from "@cds/local";
import { simpleParser } from "mailparser";
import { Webhook } from "standardwebhooks";
import { runCliProcess } from "./support/run-cli.ts";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";
import { waitFor } from "@cds/testing/runtime-events";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

// Issue 6, "Done when": a submission with 3 bad masks among 20 reports the 3 with reasons and
// completes the 17. Also: a CSV manifest's per-mask parameters reach the searches, and the
// Submission Completed event goes to webhooks and to one email (not one email per mask).

const GOOD = 17;

describe("cds submit with 3 bad masks among 20", () => {
  let root: string;
  let runtime: LocalRuntime;
  let hooks: WebhookReceiver;
  let secret: string;

  beforeAll(async () => {
    root = await tempDir("cds-submit-bad-");
    await indexSprinkledLibrary({ root, name: "tiny", count: 200, shardSize: 100 });
    hooks = await startWebhookReceiver();
    runtime = await startLocalRuntime({ root, pollMs: 50, maxRunning: 3, onError: (error) => console.error(error) });
    secret = "whsec_" + Buffer.from("submit-bad-masks-test-secret-32b").toString("base64");
    await runtime.state.createSubscription({ url: hooks.url, events: ["Submission Completed"], secret, allowPrivate: true });
  });

  afterAll(async () => {
    await runtime?.stop();
    await hooks?.close();
  });

  it("reports the 3 with their reasons, completes the 17, writes the summary and notifies once", async () => {
    // Prepare: 17 good masks and 3 bad ones, listed in a CSV manifest with names and parameters
    const dir = join(root, "masks");
    await mkdir(dir, { recursive: true });
    const rows = ["file,name,xyShift,maskThreshold"];
    for (let i = 0; i < GOOD; i++) {
      await writeFile(join(dir, `good-${i}.tif`), encodePackBitsTiff(sprinkledImage(64, 32, 900 + i, 0.3)));
      rows.push(`good-${i}.tif,"neuron ${i}, left",${i === 0 ? 4 : ""},${i === 1 ? 50 : ""}`);
    }
    await writeFile(join(dir, "not-an-image.png"), "this is a text file, not a PNG\n");
    await writeFile(join(dir, "wrong-size.tif"), encodePackBitsTiff(sprinkledImage(32, 32, 7, 0.3)));
    await writeFile(join(dir, "empty.tif"), encodePackBitsTiff({ width: 64, height: 32, rgb: new Uint8Array(64 * 32 * 3).fill(40) }));
    rows.push("not-an-image.png,text", "wrong-size.tif,too small", "empty.tif,dim");
    const manifest = join(dir, "masks.csv");
    await writeFile(manifest, `${rows.join("\n")}\n`);

    // Act
    const run = await runCliProcess(
      ["submit", manifest, "--library", "tiny", "--root", root, "--exclude-top-left", "0x0", "--exclude-top-right", "0x0", "--email", "lab@example.org", "--wait"],
      root,
    );

    // Assess: the 3 are reported with reasons, and the command says something failed
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rejected not-an-image\.png: .*not an image/);
    expect(run.stderr).toMatch(/rejected wrong-size\.tif: .*32×32 but 64×32 was expected/);
    expect(run.stderr).toMatch(/rejected empty\.tif: the mask empty\.tif is empty: no pixel .* is brighter than maskThreshold 100/);
    expect(run.stdout).toContain(`submission `);
    expect(run.stdout).toContain(`${GOOD} of ${GOOD} masks completed, 0 failed, 3 rejected before upload`);
    expect(run.stdout).toMatch(/neuron 0, left\s+completed/);
    expect(run.stdout).toMatch(/too small\s+rejected/);
    const submissionId = /submission (sub-\S+):/.exec(run.stdout)![1];

    // only the 17 were uploaded and searched, with their own parameters
    const uploads = (await readdir(join(root, "uploads", "tiny"))).filter((f) => f.endsWith(".tif"));
    expect(uploads).toHaveLength(GOOD);
    const log = await runtime.bus.readLog();
    expect(log.filter((e) => e["detail-type"] === "Search Completed")).toHaveLength(GOOD);
    expect(log.filter((e) => e["detail-type"] === "Search Failed")).toHaveLength(0);
    const masks = await runtime.state.listSubmissionMasks(submissionId);
    const searchOf = async (name: string) => runtime.state.getSearch(masks.find((m) => m.name === name)!.searchId!);
    expect((await searchOf("neuron 0, left"))?.params).toMatchObject({ xyShift: 4, maskThreshold: 100 });
    expect((await searchOf("neuron 1, left"))?.params).toMatchObject({ xyShift: 2, maskThreshold: 50 });

    // the Submission Completed event, and the summary it points to
    const event = log.find((e): e is Extract<CatalogEvent, { "detail-type": "Submission Completed" }> => e["detail-type"] === "Submission Completed")!;
    expect(event.detail).toMatchObject({ submissionId, maskCount: GOOD, completed: GOOD, failed: 0, rejected: 3 });
    const summary = JSON.parse(await readFile(join(root, "results", event.detail.summaryKey), "utf8")) as SubmissionSummary;
    expect(summary.counts).toEqual({ masks: GOOD, completed: GOOD, failed: 0, rejected: 3 });
    expect(summary.rejected.map((r) => r.name)).toEqual(["text", "too small", "dim"]);
    const csv = (await readFile(join(root, "results", event.detail.summaryCsvKey), "utf8")).split("\r\n");
    expect(csv.filter((line) => line.includes(",rejected,"))).toHaveLength(3);
    expect(csv.some((line) => line.startsWith(`0,"neuron 0, left",good-0.tif,completed,`))).toBe(true);

    // webhooks and email: the one event, signed; one email for the submission, none per mask
    const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === event.id));
    expect(new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ "detail-type": "Submission Completed", detail: { submissionId } });
    const emails = await waitFor(async () => {
      const files = (await readdir(join(root, "outbox"))).filter((f) => f.endsWith(".eml"));
      return files.length > 0 ? files : undefined;
    });
    expect(emails).toHaveLength(1);
    const email = await simpleParser(await readFile(join(root, "outbox", emails[0])));
    expect(email.to).toMatchObject({ text: "lab@example.org" });
    expect(email.subject).toBe(`CDM submission ${submissionId} finished: ${GOOD} of ${GOOD} masks searched`);
    expect(email.text).toContain("neuron 0, left: completed, best ");
  });
});
