import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import { readManifest } from "@cds/core/library";
import { parseSearchParams } from "@cds/core/search";
import { FolderBlobStore, indexLibrary, LibraryIndexError, LibrarySourceError, runLocalSearch } from "@cds/local";
import { filesUnder } from "@cds/testing/files";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

const W = 48;
const H = 24;
const params = parseSearchParams({ maskThreshold: 0, dataThreshold: 0, excludeTopLeft: "0x0", excludeTopRight: "0x0" });

/** A source folder holding `good` readable 48×24 TIFFs (good-0.tif …) plus the given extra files. */
async function sourceWith(good: number, extra: Record<string, Uint8Array | string> = {}): Promise<string> {
  const dir = await tempDir("cds-bad-input-");
  const source = join(dir, "source");
  await mkdir(source, { recursive: true });
  for (let i = 0; i < good; i++) await writeFile(join(source, `good-${i}.tif`), encodePackBitsTiff(sprinkledImage(W, H, i)));
  for (const [name, content] of Object.entries(extra)) await writeFile(join(source, name), content);
  return source;
}

function truncatedTiff(seed: number): Uint8Array {
  const bytes = encodePackBitsTiff(sprinkledImage(W, H, seed));
  return bytes.subarray(0, Math.floor(bytes.length * 0.6));
}

describe("indexLibrary on a folder with unreadable files among good ones", () => {
  it("indexes the good images and lists each unreadable one in manifest.skipped with what is wrong with it; the rest is searchable", async () => {
    // Prepare: 5 good TIFFs, a text file named .tif, and a TIFF cut short in its strip data.
    const source = await sourceWith(5, { "notes.tif": "these are my notes, not an image\n", "cut-short.tif": truncatedTiff(99) });
    const root = join(source, "..", "library");
    // Act
    const manifest = await indexLibrary({ source, name: "mixed", store: new FolderBlobStore(root), workers: 2, shardSize: 3 });
    // Assess
    expect(manifest.count).toBe(5);
    expect(manifest.items.map((i) => i.sourcePath).sort()).toEqual(["good-0.tif", "good-1.tif", "good-2.tif", "good-3.tif", "good-4.tif"]);
    expect(manifest.skipped.map((s) => s.sourcePath)).toEqual(["cut-short.tif", "notes.tif"]);
    expect(manifest.skipped[0].reason).toMatch(/cut-short\.tif.*the file is truncated/);
    expect(manifest.skipped[1].reason).toMatch(/notes\.tif.*not an image/);
    // The library on disk is the same, and searchable.
    expect(await readManifest(new FolderBlobStore(root))).toEqual(manifest);
    const result = await runLocalSearch({ mask: sprinkledImage(W, H, 3), params, library: { kind: "indexed", root, manifest }, keepAll: true, workers: 1 });
    expect(result.scored).toBe(5);
    expect(result.matches[0].item.sourcePath).toBe("good-3.tif");
  });
});

describe("indexLibrary on a folder of mixed image sizes", () => {
  it("keeps the library's size (the first image's) and skips the others, naming both sizes", async () => {
    const source = await sourceWith(4, {
      "z-wider.tif": encodePackBitsTiff(sprinkledImage(W + 2, H, 7)),
      "z-taller.tif": encodePackBitsTiff(sprinkledImage(W, H + 6, 8)),
    });
    const manifest = await indexLibrary({ source, name: "sizes", store: new FolderBlobStore(join(source, "..", "library")), workers: 1 });
    expect({ count: manifest.count, width: manifest.width, height: manifest.height }).toEqual({ count: 4, width: W, height: H });
    expect(manifest.skipped).toEqual([
      { sourcePath: "z-taller.tif", reason: expect.stringMatching(/48×30.*48×24/) },
      { sourcePath: "z-wider.tif", reason: expect.stringMatching(/50×24.*48×24/) },
    ]);
  });
});

describe("indexLibrary on a source it cannot make a library of", () => {
  it.each([
    ["an empty folder", {}],
    ["a folder with no image files", { "README.txt": "nothing to see", "data.json": "{}" }],
  ])("%s: rejects with a LibrarySourceError saying it holds no images, and writes nothing", async (_, files) => {
    const source = await sourceWith(0, files);
    const root = join(source, "..", "library");
    const indexing = indexLibrary({ source, name: "empty", store: new FolderBlobStore(root), workers: 1 });
    await expect(indexing).rejects.toThrow(LibrarySourceError);
    await expect(indexing).rejects.toThrow(/holds no images \(looked for \.tif, \.tiff, \.png, \.jpg and \.jpeg files/);
    expect(await filesUnder(root)).toEqual([]);
  });

  it("a folder that does not exist: rejects saying so", async () => {
    const dir = await tempDir("cds-bad-input-");
    await expect(indexLibrary({ source: join(dir, "nowhere"), name: "x", store: new FolderBlobStore(join(dir, "library")), workers: 1 })).rejects.toThrow(
      /the library source .*nowhere does not exist/,
    );
  });

  it("nothing readable (text files named .tif): rejects naming the first problem, and writes nothing", async () => {
    const source = await sourceWith(0, { "a.tif": "not an image", "b.tif": "nor this" });
    const root = join(source, "..", "library");
    const indexing = indexLibrary({ source, name: "unreadable", store: new FolderBlobStore(root), workers: 1 });
    await expect(indexing).rejects.toThrow(LibraryIndexError);
    await expect(indexing).rejects.toThrow(/none of the 2 images could be read; the first problem: .*a\.tif/);
    expect(await filesUnder(root)).toEqual([]);
  });

  it("nothing decodable (TIFFs with good headers, truncated data): rejects naming the first problem, and leaves no shard behind", async () => {
    const source = await sourceWith(0, { "a.tif": truncatedTiff(1), "b.tif": truncatedTiff(2), "c.tif": truncatedTiff(3) });
    const root = join(source, "..", "library");
    const indexing = indexLibrary({ source, name: "truncated", store: new FolderBlobStore(root), workers: 2, shardSize: 1 });
    await expect(indexing).rejects.toThrow(LibraryIndexError);
    await expect(indexing).rejects.toThrow(/none of the 3 images of .* could be indexed; the first problem: Cannot decode "a\.tif": .*truncated/i);
    expect(await filesUnder(root)).toEqual([]);
  });
});
