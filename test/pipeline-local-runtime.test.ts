import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { Webhook } from "standardwebhooks";
import { encodePackBitsTiff, type RgbImage } from "@cds/core/image";
import { readManifest } from "@cds/core/library";
import { generateWebhookSecret } from "@cds/core/notify";
import type { ResultsDocument } from "@cds/core/results";
import { defaultSearchParams } from "@cds/core/search";
import { renderMask, syntheticLibrary, type SyntheticLibrarySpec } from "@cds/synthetic";
import type { CatalogEvent } from "@cds/events";
import { FolderBlobStore, indexSyntheticLibrary, runLocalSearch, startLocalRuntime, type LocalRuntime } from "@cds/local";
import { tempDir } from "@cds/testing/temp-dir";
import { waitFor, waitForEvent } from "@cds/testing/runtime-events";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

/** How long a wait may take before the test fails. */
const WAIT_MS = 20_000;

// End to end on the embedded default, with real parts: an indexed synthetic library, dynalite
// on disk, the polling upload watcher, the in-process bus and invoker, a webhook receiver on
// 127.0.0.1 that verifies signatures, and the .eml outbox.

const spec: SyntheticLibrarySpec = { seed: "pipeline-e2e", count: 200, masks: 2, plantedPerMask: 2 };
const { plan, neurons } = syntheticLibrary(spec);

// One runtime and one webhook receiver for every test below, started once.
let root: string;
let runtime: LocalRuntime;
let hooks: WebhookReceiver;
let secret: string;

beforeAll(async () => {
  root = await tempDir("cds-pipeline-");
  await indexSyntheticLibrary({ name: "lib", store: new FolderBlobStore(join(root, "libraries", "lib")), spec, shardSize: 20 });
  hooks = await startWebhookReceiver();
  // 20 batches of 10 through a two-level dispatch tree.
  runtime = await startLocalRuntime({ root, pollMs: 100, batchPlan: { batchSize: 10 }, dispatchTree: { levels: 2 }, retryDelaysMs: [20, 20], onError: () => undefined });
  secret = generateWebhookSecret();
  await runtime.state.createSubscription({ url: hooks.url, events: ["Search Completed", "Search Failed"], secret, allowPrivate: true });
});

afterAll(async () => {
  await runtime?.stop();
  await hooks?.close();
});

describe("the local runtime: a mask dropped into uploads/<library>/ becomes ranked results, a webhook and an email", () => {
  it("ranks the planted targets first with the scores of runLocalSearch, writes JSON and HTML, logs the events in order, signs the webhook and emails the summary", async () => {
    // Prepare: the sidecar first, then the mask
    const mask = renderMask(neurons[0]);
    await writeFile(join(root, "uploads", "lib", "mask0.tif.json"), JSON.stringify({ notifyEmail: "ada@example.org", maxResultsPerMask: 50, xyShift: 2 }));
    await writeFile(join(root, "uploads", "lib", "mask0.tif"), encodePackBitsTiff(mask));

    // Act
    const searchId = await searchIdOf(runtime, "lib/mask0.tif");
    const completed = await waitForEvent(runtime, (e) => e["detail-type"] === "Search Completed" && e.detail.searchId === searchId, WAIT_MS);

    // Assess: ranking and scores
    const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
    const planted = plan.plantedIndices.filter((i) => plan.planted(i)!.maskIndex === 0);
    expect(document.results.slice(0, 2).map((r) => r.index).sort((a, b) => a - b)).toEqual(planted);
    expect(document.scored).toBe(spec.count);
    expect(document.partial).toBe(false);
    const manifest = await readManifest(new FolderBlobStore(join(root, "libraries", "lib")));
    const reference = await runLocalSearch({ mask, params: defaultSearchParams, library: { kind: "indexed", root: join(root, "libraries", "lib"), manifest }, top: 50, workers: 1 });
    expect(document.results.map((r) => [r.index, r.matchingPixels, r.matchingRatio, r.mirrored])).toEqual(
      reference.matches.map((m) => [m.index, m.matchingPixels, m.matchingRatio, m.mirrored]),
    );
    const html = await readFile(join(root, "results", `${searchId}.html`), "utf8");
    expect(html).toContain("Matches for mask0.tif");
    // Images are files beside the page (not inlined): the mask's is there and is a PNG.
    expect(html).toContain(`src="${searchId}-files/mask.png"`);
    const maskPng = await readFile(join(root, "results", `${searchId}-files`, "mask.png"));
    expect([...maskPng.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);

    // the events, in order
    const types = (await runtime.bus.readLog()).filter((e) => "searchId" in e.detail && e.detail.searchId === searchId).map((e) => e["detail-type"]);
    expect(types).toEqual(["Search Accepted", "Search Started", "Search Batches Completed", "Search Completed"]);

    // the signed webhook
    const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === completed.id), WAIT_MS);
    const verified = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>) as CatalogEvent;
    expect(verified["detail-type"]).toBe("Search Completed");
    expect(verified.detail).toMatchObject({ searchId, matchCount: document.matchCount, resultsKey: `${searchId}.json` });

    // the email in the outbox
    const email = await waitFor(async () => {
      for (const file of await readdir(join(root, "outbox"))) {
        const text = await readFile(join(root, "outbox", file), "utf8");
        if (text.includes(searchId)) return text;
      }
      return undefined;
    }, WAIT_MS);
    const parsed = await simpleParser(email);
    expect(parsed.to).toMatchObject({ text: "ada@example.org" });
    expect(parsed.subject).toContain(searchId);
    expect(parsed.text).toContain(document.results[0].name);
    expect(parsed.text).toContain(`${searchId}.html`);
  });
});

describe("the local runtime: uploads that are refused, and an upload event that arrives more than once", () => {
  it.each([
    ["a text file", "notes.tif", () => new TextEncoder().encode("this is not an image\n"), /image|TIFF|PNG|JPEG/i],
    ["a file that is no image format at all", "notes.txt", () => new TextEncoder().encode("my notes\n"), /not an image/],
    ["a BMP image", "scan.bmp", () => Uint8Array.from([0x42, 0x4d, 0x3a, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0]), /BMP|not an image|only PNG, TIFF and JPEG/i],
    ["a mask of the wrong size", "small.tif", () => encodePackBitsTiff(brightImage(100, 50)), /100×50 but 1210×566/],
    ["an all-black mask", "black.tif", () => encodePackBitsTiff({ width: 1210, height: 566, rgb: new Uint8Array(3 * 1210 * 566) }), /empty/],
  ])("refuses %s with Search Failed and a reason, delivered to the webhook", async (_what, file, bytes, reason) => {
    // Act
    await writeFile(join(root, "uploads", "lib", file), bytes());
    const searchId = await searchIdOf(runtime, `lib/${file}`, "Search Failed");
    // Assess
    const failed = await waitForEvent(runtime, (e) => e["detail-type"] === "Search Failed" && e.detail.searchId === searchId, WAIT_MS);
    if (failed["detail-type"] !== "Search Failed") throw new Error("unreachable");
    expect(failed.detail.stage).toBe("intake");
    expect(failed.detail.reason).toMatch(reason);
    expect((await runtime.state.getSearch(searchId))?.status).toBe("failed");
    const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === failed.id), WAIT_MS);
    expect(new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>)).toMatchObject({ detail: { searchId, reason: failed.detail.reason } });
  });

  it("starts one search for an upload whose event arrives three times", async () => {
    // Prepare
    const file = join(root, "uploads", "lib", "mask1.tif");
    await writeFile(file, encodePackBitsTiff(renderMask(neurons[1])));
    const info = await stat(file);
    const detail = { bucket: { name: "uploads" }, object: { key: "lib/mask1.tif", size: info.size, etag: `${info.size}-${Math.floor(info.mtimeMs)}` } };
    // Act: twice by hand, once more from the watcher
    await runtime.bus.publish([{ source: "aws.s3", detailType: "Object Created", detail }]);
    await runtime.bus.publish([{ source: "aws.s3", detailType: "Object Created", detail }]);
    const searchId = await searchIdOf(runtime, "lib/mask1.tif");
    await waitForEvent(runtime, (e) => e["detail-type"] === "Search Completed" && e.detail.searchId === searchId, WAIT_MS);
    await waitFor(async () => ((await runtime.bus.readLog()).filter((e) => e["detail-type"] === "Object Created" && e.detail.object.key === "lib/mask1.tif").length >= 3 ? true : undefined), WAIT_MS);
    await runtime.bus.idle();
    // Assess
    const log = await runtime.bus.readLog();
    const accepted = log.filter((e) => e["detail-type"] === "Search Accepted" && e.detail.maskKey === "lib/mask1.tif");
    expect(accepted).toHaveLength(1);
    const search = await runtime.state.getSearch(searchId);
    expect(search).toMatchObject({ status: "completed", completedBatches: 20, batchCount: 20 });
    const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
    expect(document.scored).toBe(spec.count);
  });
});

function brightImage(width: number, height: number): RgbImage {
  return { width, height, rgb: new Uint8Array(3 * width * height).fill(200) };
}

/** The search started (or refused) for the upload at `maskKey`. */
async function searchIdOf(runtime: LocalRuntime, maskKey: string, type: "Search Accepted" | "Search Failed" = "Search Accepted"): Promise<string> {
  return waitFor(async () => {
    for (const event of await runtime.bus.readLog()) {
      if (event["detail-type"] === "Search Accepted" && type === "Search Accepted" && event.detail.maskKey === maskKey) return event.detail.searchId;
      if (event["detail-type"] === "Search Failed" && type === "Search Failed") {
        const search = await runtime.state.getSearch(event.detail.searchId);
        if (search?.maskKey === maskKey) return search.searchId;
      }
    }
    return undefined;
  }, WAIT_MS);
}
