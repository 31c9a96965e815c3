import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import type { CatalogEvent } from "@cds/events";
import { startLocalRuntime, type LocalRuntime } from "@cds/local";
import { killWhen, startCds } from "./support/cds-child.ts";
import { runCliProcess } from "./support/run-cli.ts";
import { runningAtOnce } from "./support/submission-log.ts";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 6, "Done when": interrupting the CLI mid-submission (SIGKILL) and running the same
// command again finishes the submission without duplicating a search — killed while it uploads
// the masks, and killed while it follows the submission (--wait).

const MASKS = 40;
const K = 2;
const WHOLE_IMAGE = ["--exclude-top-left", "0x0", "--exclude-top-right", "0x0"];

describe("cds submit killed mid-submission and run again", () => {
  let root: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    root = await tempDir("cds-submit-kill-");
    await indexSprinkledLibrary({ root, name: "tiny", count: 300, shardSize: 100 });
    runtime = await startLocalRuntime({ root, pollMs: 50, maxRunning: K, onError: (error) => console.error(error) });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  /** Writes `count` small masks into root/<folder> and returns the command that submits them. */
  async function submitCommand(folder: string, seed: number): Promise<string[]> {
    const dir = join(root, folder);
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < MASKS; i++) await writeFile(join(dir, `m${String(i).padStart(2, "0")}.tif`), encodePackBitsTiff(sprinkledImage(64, 32, seed + i, 0.3)));
    return ["submit", dir, "--library", "tiny", "--root", root, ...WHOLE_IMAGE, "--wait"];
  }

  /** The masks of a submission in the upload folder (sidecars and temporary files aside). */
  async function uploadedMasks(submissionPrefix = "sub-"): Promise<string[]> {
    const files = await readdir(join(root, "uploads", "tiny")).catch(() => []);
    return files.filter((f) => f.startsWith(submissionPrefix) && f.endsWith(".tif"));
  }

  /** Asserts one search per mask, each started and completed once, one Submission Completed. */
  async function expectSubmissionDoneOnce(submissionId: string, log: CatalogEvent[]) {
    const masks = await runtime.state.listSubmissionMasks(submissionId);
    expect(masks).toHaveLength(MASKS);
    const searchIds = new Set(masks.map((m) => m.searchId));
    expect(searchIds.size).toBe(MASKS);
    const ofThese = log.filter((e) => "searchId" in e.detail && searchIds.has(e.detail.searchId as string));
    const count = (type: string) => ofThese.filter((e) => e["detail-type"] === type).length;
    expect({ accepted: count("Search Accepted"), started: count("Search Started"), completed: count("Search Completed"), failed: count("Search Failed") }).toEqual({
      accepted: MASKS, started: MASKS, completed: MASKS, failed: 0,
    });
    // every upload of this submission became exactly one search
    const uploads = new Set(masks.map((m) => m.uploadKey));
    const acceptedKeys = log.filter((e) => e["detail-type"] === "Search Accepted" && uploads.has(e.detail.maskKey));
    expect(acceptedKeys).toHaveLength(MASKS);
    expect(log.filter((e) => e["detail-type"] === "Submission Completed" && e.detail.submissionId === submissionId)).toHaveLength(1);
    expect(runningAtOnce(log).max).toBeLessThanOrEqual(K);
  }

  it("finishes the submission when killed while uploading, uploading only what was missing", async () => {
    const command = await submitCommand("masks-a", 5000);
    // Act: SIGKILL as soon as a few masks are uploaded
    const first = startCds(command, root);
    await killWhen(first, async () => (await uploadedMasks()).length >= 3, 1);
    expect((await first.exited).signal).toBe("SIGKILL");
    const atKill = (await uploadedMasks()).length;
    expect(atKill).toBeLessThan(MASKS); // each mask is listed in the state, then uploaded: the kill lands mid-way

    const second = await runCliProcess(command, root);

    // Assess
    expect(second.code, second.stderr).toBe(0);
    const [, submissionId, uploadedNow, before] = /submission (sub-\S+): \d+ masks .*\((\d+) uploaded now, (\d+) submitted before\)/.exec(second.stdout)!;
    expect(Number(uploadedNow) + Number(before)).toBe(MASKS);
    expect(Number(before)).toBeGreaterThanOrEqual(atKill);
    expect(second.stdout).toContain(`${MASKS} of ${MASKS} masks completed, 0 failed`);
    expect(await uploadedMasks(submissionId)).toHaveLength(MASKS);
    await expectSubmissionDoneOnce(submissionId, await runtime.bus.readLog());
  });

  it("finishes the submission when killed while following it, uploading nothing again", async () => {
    const command = await submitCommand("masks-b", 7000);
    // Act: SIGKILL once some searches of it completed, not all
    const first = startCds(command, root);
    let submissionId = "";
    await killWhen(first, async () => {
      submissionId ||= (await runtime.state.listSubmissionsByStatus("open")).at(-1)?.submissionId ?? "";
      if (!submissionId) return false;
      const masks = await runtime.state.listSubmissionMasks(submissionId);
      return masks.filter((m) => m.outcome === "completed").length >= 4;
    }, 5);
    expect((await first.exited).signal).toBe("SIGKILL");
    expect((await runtime.state.getSubmission(submissionId))?.status).toBe("open");

    const second = await runCliProcess(command, root);

    // Assess
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`submission ${submissionId}: ${MASKS} masks against library tiny (0 uploaded now, ${MASKS} submitted before)`);
    expect(second.stdout).toContain(`${MASKS} of ${MASKS} masks completed, 0 failed`);
    await expectSubmissionDoneOnce(submissionId, await runtime.bus.readLog());
  });
});
