import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { ResultsDocument } from "@cds/core/results";
import type { CatalogEvent } from "@cds/events";
import { EventLog, FolderBlobStore, indexLibrary } from "@cds/local";
import type { SearchResultsDocument } from "../packages/cli/src/commands/search/index.ts";
import { runCli } from "./support/run-cli.ts";
import { waitFor } from "@cds/testing/runtime-events";
import { BJD, cdsearch, EM_12191, GMR, hasSharedCdm, repoRoot, SKIP_SHARED_NOTE, VT016795, VT033614 } from "@cds/testing/shared-data";
import { startSmtpReceiver, type SmtpReceiver } from "@cds/testing/smtp-receiver";
import { writeSyntheticTargets } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

// Issue 4, "Done when": dropping the real 12191 mask into the uploads folder of a running `cds dev`
// with a library of the real LM targets plus synthetic decoys yields a Search Completed event, a
// results JSON whose scores equal `cds search` on the same inputs, an HTML page, a signed webhook
// delivery that verifies, and an email that arrives over SMTP (CDS_SMTP_URL, as a person sets it).

if (!hasSharedCdm) console.warn(SKIP_SHARED_NOTE);

const LMS = [BJD, GMR, VT016795, VT033614];
const DECOYS = 100;
/** NeuronBridge's precompute parameters (those of the upstream unit tests), every match kept. */
const SIDECAR = { maskThreshold: 20, dataThreshold: 20, pixColorFluctuation: 1, minMatchingPixRatio: 1, xyShift: 2, mirrorMask: true, maxResultsPerMask: 10_000, notifyEmail: "ada@example.org" };
const SEARCH_FLAGS = ["--mask-threshold", "20", "--data-threshold", "20", "--pix-color-fluctuation", "1", "--min-matching-pix-ratio", "1", "--xy-shift", "2", "--mirror", "--all"];

describe.skipIf(!hasSharedCdm)("cds dev on the real 12191 mask against the real LM targets plus 100 synthetic decoys", () => {
  let root: string;
  let dev: ChildProcessWithoutNullStreams;
  let output = "";
  let smtp: SmtpReceiver;
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    root = await tempDir("cds-real-12191-");
    const source = join(root, "sources", "lm");
    await writeSyntheticTargets(source, { seed: "real-12191-decoys", count: DECOYS, masks: 1, plantedPerMask: 0 });
    for (const lm of LMS) await copyFile(cdsearch(lm), join(source, basename(lm)));
    await indexLibrary({ source, name: "lm", store: new FolderBlobStore(join(root, "libraries", "lm")), shardSize: 16, workers: 2 });
    smtp = await startSmtpReceiver();
    hooks = await startWebhookReceiver(() => 204);
    await mkdir(join(root, "uploads"), { recursive: true });
    dev = spawn(process.execPath, [join(repoRoot, "packages/cli/bin/cds.js"), "dev", "--root", root, "--poll-ms", "100"], {
      cwd: root,
      env: { ...process.env, CDS_SMTP_URL: smtp.url },
    });
    dev.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    dev.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => (output.includes("Ctrl-C stops") ? true : undefined));
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((resolve) => dev.once("exit", resolve));
      dev.kill("SIGINT");
      await exited;
    }
    await smtp?.close();
    await hooks?.close();
  });

  it("completes with the scores of `cds search`, an HTML page, a verified webhook and an email over SMTP", async () => {
    // Prepare: a webhook added with the CLI while dev runs
    const added = await runCli(["webhooks", "add", hooks.url, "--allow-private", "--root", root]);
    expect(added.code).toBe(0);
    const secret = /secret\s+(whsec_\S+)/.exec(added.stdout)![1];

    // Act: the sidecar first, then the mask
    const uploads = join(root, "uploads", "lm");
    await writeFile(join(uploads, "12191.tif.json"), JSON.stringify(SIDECAR));
    await copyFile(cdsearch(EM_12191), join(uploads, "12191.tif"));
    const log = new EventLog(join(root, "events.log"));
    const completed = await waitFor(async () => (await readLogSafely(log)).find((e) => e["detail-type"] === "Search Completed"), 90_000);
    if (completed["detail-type"] !== "Search Completed") throw new Error("unreachable");
    const { searchId } = completed.detail;
    expect(output).toMatch(new RegExp(`completed\\s+${searchId}\\s+12191\\.tif in lm: \\d+ match`));

    // Assess: the results equal `cds search` on the same library and mask, every match in order
    const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
    expect(document).toMatchObject({ scored: DECOYS + LMS.length, partial: false, library: { name: "lm", count: DECOYS + LMS.length } });
    const out = join(root, "cds-search.json");
    const searched = await runCli(["search", cdsearch(EM_12191), "--library", "lm", "--root", root, ...SEARCH_FLAGS, "--out", out, "--workers", "2"]);
    expect(searched.code).toBe(0);
    const reference = JSON.parse(await readFile(out, "utf8")) as SearchResultsDocument;
    expect(reference.scored).toBe(DECOYS + LMS.length);
    expect(document.results.length).toBeGreaterThanOrEqual(LMS.length - 1);
    expect(document.results.map((r) => [r.name, r.matchingPixels, r.matchingRatio, r.mirrored])).toEqual(
      reference.results.map((m) => [m.name, m.matchingPixels, m.matchingRatio, m.mirrored]),
    );
    // and the upstream-asserted scores of 12191 against the LM targets (colormipsearch's tests)
    const scoreOf = (lm: string) => document.results.find((r) => r.name === basename(lm, ".tif"));
    expect(scoreOf(VT033614)).toMatchObject({ matchingPixels: 439, mirrored: false });
    expect(scoreOf(BJD)).toMatchObject({ matchingPixels: 414, mirrored: false });
    expect(scoreOf(VT016795)).toMatchObject({ matchingPixels: 426, mirrored: true });

    // the HTML page
    const html = await readFile(join(root, "results", `${searchId}.html`), "utf8");
    expect(html).toContain("12191.tif");
    // images are files beside the page, not inlined
    expect(html).toContain(`src="${searchId}-files/mask.png"`);
    expect((await readFile(join(root, "results", `${searchId}-files`, "mask.png"))).subarray(1, 4).toString()).toBe("PNG");
    expect(html).toContain(document.results[0].name);

    // the signed webhook
    const hook = await waitFor(() => hooks.received.find((r) => JSON.parse(r.body).id === completed.id));
    const verified = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>) as CatalogEvent;
    expect(verified).toMatchObject({ "detail-type": "Search Completed", detail: { searchId, matchCount: document.matchCount } });

    // the email, over SMTP
    const mail = await waitFor(() => smtp.received.find((m) => m.mail.subject?.includes(searchId)));
    expect(mail.envelopeTo).toEqual(["ada@example.org"]);
    expect(mail.mail.text).toContain(document.results[0].name);
    expect(mail.mail.text).toContain(`${searchId}.html`);
  });
});

/** The log as far as it is complete: a line being appended while it is read is left for the next read. */
async function readLogSafely(log: EventLog): Promise<CatalogEvent[]> {
  try {
    return await log.read();
  } catch {
    return [];
  }
}
