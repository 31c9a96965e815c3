import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import type { ResultsDocument } from "@cds/core/results";
import { renderMask, syntheticLibrary, type SyntheticLibrarySpec } from "@cds/synthetic";
import { FolderBlobStore, indexSyntheticLibrary } from "@cds/local";
import { runCli } from "./support/run-cli.ts";
import { repoRoot } from "@cds/testing/shared-data";
import { tempDir } from "@cds/testing/temp-dir";
import { waitFor } from "@cds/testing/runtime-events";

/** How long a wait may take before the test fails. */
const WAIT_MS = 25_000;

// `cds dev` as a person runs it (a child process, stopped with Ctrl-C = SIGINT), with the
// other commands reaching its state through <root>/state/endpoint.json while it runs.

const spec: SyntheticLibrarySpec = { seed: "cli-dev", count: 100, masks: 1, plantedPerMask: 2 };

describe("cds dev with cds webhooks / status / results alongside", () => {
  let root: string;
  let child: ChildProcessWithoutNullStreams;
  let stdout = "";

  beforeAll(async () => {
    root = await tempDir("cds-dev-");
    await indexSyntheticLibrary({ name: "lib", store: new FolderBlobStore(join(root, "libraries", "lib")), spec, shardSize: 25 });
    child = spawn(process.execPath, [join(repoRoot, "packages/cli/bin/cds.js"), "dev", "--root", root, "--poll-ms", "100"], { cwd: root });
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(() => (stdout.includes("Ctrl-C stops") ? true : undefined), WAIT_MS);
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  it("adds a webhook, logs one line per event of a dropped mask, shows status and results, and stops on SIGINT", async () => {
    // webhooks add/list while dev holds the state
    const added = await runCli(["webhooks", "add", "http://127.0.0.1:9/nowhere", "--allow-private", "--root", root]);
    expect(added.code).toBe(0);
    const id = /subscription (\S+)/.exec(added.stdout)![1];
    expect(added.stdout).toMatch(/secret\s+whsec_/);
    expect((await runCli(["webhooks", "list", "--root", root])).stdout).toContain(id);

    // a mask dropped into the uploads folder
    const { neurons } = syntheticLibrary(spec);
    await writeFile(join(root, "uploads", "lib", "m.tif"), encodePackBitsTiff(renderMask(neurons[0])));
    await waitFor(() => (/completed\s+\S+\s+m\.tif in lib: \d+ match/.test(stdout) ? true : undefined), WAIT_MS);
    const searchId = /accepted\s+(\S+)/.exec(stdout)![1];
    for (const what of ["upload", "accepted", "started", "scored", "completed"]) expect(stdout).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d ${what}\\s`));

    const status = await runCli(["status", searchId, "--root", root]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`search ${searchId}: completed`);
    const results = await runCli(["results", searchId, "--json", "--root", root]);
    expect(results.code).toBe(0);
    expect((JSON.parse(results.stdout) as ResultsDocument).scored).toBe(spec.count);
    expect((await runCli(["results", searchId, "--root", root])).stdout).toMatch(/rank\s+target/);

    // Ctrl-C
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stdout).toContain("cds dev: stopped");

    // with dev gone, the commands open the state folder themselves
    const deliveries = await runCli(["webhooks", "deliveries", id, "--root", root]);
    expect(deliveries.code).toBe(0);
    expect(deliveries.stdout).toContain("Search Completed");
    expect((await runCli(["webhooks", "remove", id, "--root", root])).stdout).toContain(`removed subscription ${id}`);
    expect((await runCli(["status", "--root", root])).stdout).toContain(searchId);
  });
});

