import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import { generateCdm } from "@cds/synthetic";
import type { SearchResultsDocument } from "../packages/cli/src/commands/search/index.ts";
import { killWhen, startCds } from "./support/cds-child.ts";
import { buildFolders, filesUnder } from "@cds/testing/files";
import { runCli } from "./support/run-cli.ts";
import { writeSyntheticTargets } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

const BIG = 120;

describe("an interrupted cds library index (the process SIGKILLed mid-run)", () => {
  let dir: string;
  let small: string;
  let big: string;
  let mask: string;

  beforeAll(async () => {
    // Prepare: a small source (8 targets, one carrying the mask's neuron) and a big one
    // (120 full-size CDMs: 12 distinct images, copied) that takes seconds to index on one worker.
    dir = await tempDir("cds-interrupt-");
    small = join(dir, "small");
    const written = await writeSyntheticTargets(small, { seed: "interrupt", count: 8, masks: 1, plantedPerMask: 1 });
    mask = join(dir, "mask.tif");
    await writeFile(mask, encodePackBitsTiff(written.masks[0]));
    big = join(dir, "big");
    await mkdir(big);
    const images = Array.from({ length: 12 }, (_, k) => encodePackBitsTiff(generateCdm({ seed: `big-${k}` })));
    for (let i = 0; i < BIG; i++) await writeFile(join(big, `copy-${String(i).padStart(3, "0")}.tif`), images[i % images.length]);
  });

  /** Starts indexing `source` as library `name` on one worker in small shards, and kills it once a shard of a new build is on disk. */
  async function interruptedIndex(source: string, name: string, root: string, previousBuild?: string): Promise<string> {
    const library = join(root, "libraries", name);
    const running = startCds(["library", "index", source, "--name", name, "--root", root, "--workers", "1", "--shard-size", "2", "--force"]);
    let orphan = "";
    await killWhen(running, async () => {
      const shard = (await filesUnder(join(library, "data"))).find((f) => f.endsWith(".bin") && f.split("/")[0] !== previousBuild);
      orphan = shard?.split("/")[0] ?? "";
      return shard !== undefined;
    });
    const { signal } = await running.exited;
    expect(signal).toBe("SIGKILL");
    return orphan;
  }

  async function search(root: string, out: string): Promise<{ code: number; stderr: string; doc?: SearchResultsDocument }> {
    const { code, stderr } = await runCli(["search", mask, "--library", "lib", "--root", root, "--all", "--min-matching-pix-ratio", "0", "--out", out]);
    return { code, stderr, doc: code === 0 ? (JSON.parse(await readFile(out, "utf8")) as SearchResultsDocument) : undefined };
  }

  it("with no earlier library: leaves no library (search says there is none), and the next complete run removes the orphan build", async () => {
    const root = join(dir, "first");
    const library = join(root, "libraries", "lib");
    // Act
    const orphan = await interruptedIndex(big, "lib", root);
    // Assess: shards of the orphan build, no manifest, so no library.
    expect(await buildFolders(library)).toEqual([orphan]);
    expect(await filesUnder(library)).not.toContain("manifest.json");
    const { code, stderr } = await search(root, join(dir, "none.json"));
    expect(code).toBe(1);
    expect(stderr).toMatch(/cds: no library "lib".*Index one with `cds library index <source> --name lib`/s);
    const listed = await runCli(["library", "list", "--root", root]);
    expect(listed.stdout).toMatch(/^lib\s+-\s+-\s+-\s+-\s+-\s+no library at .*manifest\.json is missing/m);
    // A complete run succeeds and leaves only its own build.
    const complete = await runCli(["library", "index", small, "--name", "lib", "--root", root]);
    expect(complete.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(library, "manifest.json"), "utf8"));
    expect(await buildFolders(library)).toEqual([manifest.buildId]);
    expect((await search(root, join(dir, "first.json"))).doc?.library.count).toBe(8);
  });

  it("over an earlier library: that library stays as it was and searchable, and the next complete run replaces it and removes the orphan", async () => {
    const root = join(dir, "second");
    const library = join(root, "libraries", "lib");
    // Prepare: a good library, and what a search of it gives.
    expect((await runCli(["library", "index", small, "--name", "lib", "--root", root])).code).toBe(0);
    const manifestBefore = await readFile(join(library, "manifest.json"), "utf8");
    const previousBuild = JSON.parse(manifestBefore).buildId as string;
    const before = await search(root, join(dir, "before.json"));
    expect(before.doc!.results.length).toBeGreaterThan(1);
    // Act
    const orphan = await interruptedIndex(big, "lib", root, previousBuild);
    // Assess: the previous manifest, its build and its results are intact; the orphan sits beside them.
    expect(await readFile(join(library, "manifest.json"), "utf8")).toBe(manifestBefore);
    expect(await buildFolders(library)).toEqual([previousBuild, orphan].sort());
    const after = await search(root, join(dir, "after.json"));
    expect(after.code).toBe(0);
    expect(after.doc!.results).toEqual(before.doc!.results);
    // A complete run of the interrupted command succeeds and removes the orphan; the version it
    // replaced stays beside it for the retention period (searches in flight finish on it).
    const complete = await runCli(["library", "index", big, "--name", "lib", "--root", root, "--workers", "2", "--force"]);
    expect(complete.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(library, "manifest.json"), "utf8"));
    expect(manifest.count).toBe(BIG);
    expect(await buildFolders(library)).toEqual([previousBuild, manifest.buildId].sort());
    expect((await search(root, join(dir, "replaced.json"))).doc?.library.count).toBe(BIG);
  });
});
