import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ImageSizeMismatchError } from "@cds/core";
import { encodePackBitsTiff } from "@cds/core/image";
import { parseSearchParams } from "@cds/core/search";
import { FolderBlobStore, indexLibrary, runLocalSearch } from "@cds/local";
import { buildFolders } from "@cds/testing/files";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

async function folderOf(images: Record<string, { width: number; height: number }>): Promise<string> {
  const source = join(await tempDir("cds-housekeeping-"), "source");
  await mkdir(source, { recursive: true });
  let seed = 0;
  for (const [name, size] of Object.entries(images)) {
    await writeFile(join(source, name), encodePackBitsTiff(sprinkledImage(size.width, size.height, seed++)));
  }
  return source;
}

describe("index housekeeping", () => {
  it("removes the build folder of a run killed while writing its first shard (its marker and a temporary file left)", async () => {
    // Prepare: a library folder where a crashed run left its build marker and a half-written shard.
    const source = await folderOf({ "a.tif": { width: 40, height: 20 }, "b.tif": { width: 40, height: 20 } });
    const library = join(source, "..", "library");
    await mkdir(join(library, "data", "crashed", "00"), { recursive: true });
    await writeFile(join(library, "data", "crashed", "build.json"), "{}");
    await writeFile(join(library, "data", "crashed", "00", "shard-000000.bin.1234.abcd.tmp"), "partial");
    // Act
    const manifest = await indexLibrary({ source, name: "lib", store: new FolderBlobStore(library), workers: 1 });
    // Assess: only the new build remains.
    expect(await buildFolders(library)).toEqual([manifest.buildId]);
  });

  it("takes the library's size from most images, so one odd image sorting first is the one skipped", async () => {
    const source = await folderOf({
      "0-odd.tif": { width: 30, height: 30 },
      "1.tif": { width: 40, height: 20 },
      "2.tif": { width: 40, height: 20 },
      "3.tif": { width: 40, height: 20 },
    });
    const manifest = await indexLibrary({ source, name: "lib", store: new FolderBlobStore(join(source, "..", "library")), workers: 1 });
    expect([manifest.width, manifest.height, manifest.count]).toEqual([40, 20, 3]);
    expect(manifest.skipped).toEqual([{ sourcePath: "0-odd.tif", reason: "is 30×30 but the library's images are 40×20" }]);
  });

  it("refuses to search a raw folder with a mask of another size, naming both sizes", async () => {
    const source = await folderOf({ "1.tif": { width: 40, height: 20 }, "2.tif": { width: 40, height: 20 } });
    const search = runLocalSearch({
      mask: sprinkledImage(30, 30, 7),
      params: parseSearchParams({}),
      library: { kind: "raw", source },
      workers: 1,
    });
    await expect(search).rejects.toThrow(ImageSizeMismatchError);
    await expect(search).rejects.toThrow(/the mask .* is 30×30 but 40×20 was expected/);
  });
});
