import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import { filesUnder } from "@cds/testing/files";
import { runCli, runCliProcess } from "./support/run-cli.ts";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

/** A temp folder with `source/` holding the given files, and where `--root` should point. */
async function sourceWith(files: Record<string, Uint8Array | string>): Promise<{ source: string; root: string }> {
  const dir = await tempDir("cds-cli-bad-");
  const source = join(dir, "source");
  await mkdir(source, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(source, name), content);
  return { source, root: join(dir, "cds-data") };
}

const tiff = (width: number, height: number, seed: number) => encodePackBitsTiff(sprinkledImage(width, height, seed));
const cutShort = (seed: number) => tiff(32, 16, seed).subarray(0, 300);

describe("cds library index on bad library input", () => {
  it("unreadable files among good ones: indexes the rest, lists each skipped file and why on stderr, exit code 0", async () => {
    const { source, root } = await sourceWith({
      "a.tif": tiff(32, 16, 1),
      "b.tif": tiff(32, 16, 2),
      "c.tif": tiff(32, 16, 3),
      "notes.tif": "these are my notes\n",
      "cut-short.tif": cutShort(4),
    });
    const { code, stdout, stderr } = await runCliProcess(["library", "index", source, "--name", "mixed", "--root", root, "--workers", "1"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^indexed 3 images of 32×16 into /);
    expect(stderr.trim().split("\n")).toEqual([
      "skipped 2 image(s):",
      expect.stringMatching(/^ {2}cut-short\.tif: Cannot decode .*the file is truncated$/),
      expect.stringMatching(/^ {2}notes\.tif: Cannot decode .*not an image/),
    ]);
  });

  it("mixed image sizes: skips the odd ones, naming both sizes on stderr, exit code 0", async () => {
    const { source, root } = await sourceWith({ "a.tif": tiff(32, 16, 1), "b.tif": tiff(32, 16, 2), "c-big.tif": tiff(64, 32, 3) });
    const { code, stdout, stderr } = await runCli(["library", "index", source, "--name", "sizes", "--root", root, "--workers", "1"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^indexed 2 images of 32×16 /);
    expect(stderr).toMatch(/skipped 1 image\(s\):\n {2}c-big\.tif: is 64×32 but the library's images are 32×16/);
  });

  it("an empty folder: a clear error, exit code 1, and no library written", async () => {
    const { source, root } = await sourceWith({});
    const { code, stdout, stderr } = await runCliProcess(["library", "index", source, "--name", "empty", "--root", root]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^cds: the library source .*source holds no images \(looked for \.tif, \.tiff, \.png, \.jpg and \.jpeg files, recursively\)/);
    expect(await filesUnder(root)).toEqual([]);
    expect((await runCli(["library", "list", "--root", root])).stdout).toMatch(/^no libraries under /);
  });

  it("a folder where nothing is readable: a clear error naming the first problem, exit code 1, nothing written", async () => {
    const { source, root } = await sourceWith({ "a.tif": "text", "b.png": "more text" });
    const { code, stderr } = await runCli(["library", "index", source, "--name", "unreadable", "--root", root, "--workers", "1"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^cds: none of the 2 images could be read; the first problem: Cannot decode "a\.tif": it is not an image/);
    expect(await filesUnder(root)).toEqual([]);
  });

  it("a folder of TIFFs whose headers read but whose data does not: the same error, nothing written", async () => {
    const { source, root } = await sourceWith({ "a.tif": cutShort(1), "b.tif": cutShort(2) });
    const { code, stderr } = await runCli(["library", "index", source, "--name", "truncated", "--root", root, "--workers", "2", "--shard-size", "1"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^cds: none of the 2 images of .*source could be indexed; the first problem: Cannot decode "a\.tif": .*truncated/);
    expect(await filesUnder(root)).toEqual([]);
  });
});
