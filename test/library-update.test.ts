import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import { buildFolders } from "@cds/testing/files";
import { runCli } from "./support/run-cli.ts";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

const fileName = (i: number) => `t${String(i).padStart(3, "0")}.tif`;

async function writeTargets(dir: string, from: number, to: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = from; i < to; i++) await writeFile(join(dir, fileName(i)), encodePackBitsTiff(sprinkledImage(64, 32, 500 + i, 0.3)));
}

describe("cds library update and library list, end to end", () => {
  let dir: string;
  let root: string;
  let source: string;
  let library: string;

  beforeAll(async () => {
    // Prepare: 20 small targets indexed in shards of 5.
    dir = await tempDir("cds-update-cli-");
    root = join(dir, "cds-data");
    source = join(dir, "targets");
    library = join(root, "libraries", "lm");
    await writeTargets(source, 0, 20);
    const indexed = await runCli(["library", "index", source, "--name", "lm", "--root", root, "--shard-size", "5", "--workers", "2"]);
    expect(indexed.code).toBe(0);
  });

  it("adds the new images and removes the vanished one, keeping the other shards, and says so", async () => {
    // Prepare: one image goes, three arrive.
    const manifest = JSON.parse(await readFile(join(library, "manifest.json"), "utf8"));
    const firstPage = JSON.parse(await readFile(join(library, "data", manifest.buildId, "pages", "page-0000.json"), "utf8"));
    const items = JSON.parse(await readFile(join(library, "data", manifest.buildId, "items", "chunk-000000.json"), "utf8"));
    await rm(join(source, items[firstPage[0].start].sourcePath));
    await writeTargets(source, 20, 23);
    // Act
    const { code, stdout, stderr } = await runCli(["library", "update", "lm", source, "--root", root, "--workers", "2"]);
    // Assess
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^updated lm to version 2: \+3 images, −1 images; 3 shards kept, 1 rewritten, 1 new \(\d+ KiB written, [\d.]+ s\); 22 images in all$/);
    const updated = JSON.parse(await readFile(join(library, "manifest.json"), "utf8"));
    expect({ version: updated.version, basedOn: updated.basedOn, count: updated.count, shards: updated.shardCount }).toEqual({ version: 2, basedOn: manifest.buildId, count: 22, shards: 5 });
    expect(await buildFolders(library)).toEqual([manifest.buildId, updated.buildId].sort());
  });

  it("--json says what changed, shard by shard", async () => {
    await writeTargets(source, 23, 30);
    const { code, stdout } = await runCli(["library", "update", "lm", source, "--root", root, "--json"]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      name: "lm",
      destination: library,
      outcome: "updated",
      version: 3,
      previous: { version: 2, count: 22 },
      count: 29,
      added: 7,
      removed: 0,
      shards: { kept: 5, rewritten: 0, added: 2, dropped: 0 },
      skipped: [],
    });
    expect(summary.bytesWritten).toBeGreaterThan(0);
  });

  it("with nothing changed, says the library is unchanged and makes no version", async () => {
    const before = await readFile(join(library, "manifest.json"), "utf8");
    const { code, stdout } = await runCli(["library", "update", "lm", source, "--root", root]);
    expect(code).toBe(0);
    expect(stdout).toBe(`lm is unchanged at version 3: ${source} holds the same 29 images`);
    expect(await readFile(join(library, "manifest.json"), "utf8")).toBe(before);
  });

  it("of a library that does not exist, fails with exit code 1 and says to index it first", async () => {
    const { code, stdout, stderr } = await runCli(["library", "update", "nope", source, "--root", root]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toMatch(/there is no library "nope" at .*libraries\/nope to update; index it first with `cds library index <source> --name nope`/);
  });

  it("library list shows the version, the size and the kept versions; --json lists them newest first", async () => {
    const table = await runCli(["library", "list", "--root", root]);
    expect(table.code).toBe(0);
    const lines = table.stdout.split("\n");
    expect(lines[0]).toMatch(/^library\s+version\s+targets\s+image\s+size\s+skipped\s+created$/);
    expect(lines[2]).toMatch(/^lm\s+3 \(\+2 kept\)\s+29\s+64x32\s+\d+(\.\d)? (KiB|MB)\s+0\s+\d{4}-\d\d-\d\dT/);
    const listed = JSON.parse((await runCli(["library", "list", "--root", root, "--json"])).stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: "lm", version: 3, count: 29, width: 64, height: 32 });
    expect(listed[0].bytes).toBeGreaterThan(0);
    expect(listed[0].versions.map((v: { version: number; count: number }) => [v.version, v.count])).toEqual([
      [3, 29],
      [2, 22],
      [1, 20],
    ]);
  });
});
