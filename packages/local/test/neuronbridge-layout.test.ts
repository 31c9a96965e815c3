import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff, type RgbImage } from "@cds/core/image";
import type { LibraryManifest } from "@cds/core/library";
import { parseSearchParams } from "@cds/core/search";
import { FolderBlobStore, indexLibrary, listLibrarySource, runLocalSearch } from "@cds/local";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

const W = 40;
const H = 20;
const KEY_PREFIX = "JRC2018_Unisex_20x_HR/FlyLight_Split-GAL4_Drivers/searchable_neurons";

/** NeuronBridge-style file names per partition, and the metadata each must give. */
const named: { partition: number; file: string; metadata: Record<string, string> }[] = [
  {
    partition: 1,
    file: "LH2033-20170120_61_A4-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_1.tif",
    metadata: { publishedName: "LH2033", slideCode: "20170120_61_A4", gender: "f", objective: "40x", anatomicalArea: "brain", alignmentSpace: "JRC2018_Unisex_20x_HR", channel: "1" },
  },
  {
    partition: 1,
    file: "SS00724-20140623_32_B5-m-63x-brain-JRC2018_Unisex_20x_HR-CDM_2-01.tif",
    metadata: { publishedName: "SS00724", slideCode: "20140623_32_B5", gender: "m", objective: "63x", anatomicalArea: "brain", alignmentSpace: "JRC2018_Unisex_20x_HR", channel: "2" },
  },
  {
    partition: 2,
    file: "VT033614-20171124_64_H6-LexA-m-20x-vnc-JRC2018_VNC_Unisex_40x_DS-CDM_3.tif",
    metadata: { publishedName: "VT033614", slideCode: "20171124_64_H6", gender: "m", objective: "20x", anatomicalArea: "vnc", alignmentSpace: "JRC2018_VNC_Unisex_40x_DS", channel: "3" },
  },
];
/** More LM names, to make the shuffle's order telling. */
for (let i = 0; i < 9; i++) {
  const partition = 1 + (i % 2);
  named.push({
    partition,
    file: `R${10 + i}A0${i}-2019081${i}_6${i}_F${i}-GAL4-${i % 2 ? "m" : "f"}-40x-brain-JRC2018_Unisex_20x_HR-CDM_${1 + (i % 4)}.tif`,
    metadata: {
      publishedName: `R${10 + i}A0${i}`,
      slideCode: `2019081${i}_6${i}_F${i}`,
      gender: i % 2 ? "m" : "f",
      objective: "40x",
      anatomicalArea: "brain",
      alignmentSpace: "JRC2018_Unisex_20x_HR",
      channel: String(1 + (i % 4)),
    },
  });
}
const MISSING = "2/MB077B-20150109_31_A1-GAL4-f-20x-brain-JRC2018_Unisex_20x_HR-CDM_1.tif";

function encodePng(image: RgbImage): Uint8Array {
  const { PNG } = createRequire(import.meta.url)("pngjs") as {
    PNG: { new (o: { width: number; height: number }): { data: Uint8Array }; sync: { write(png: unknown, o: object): Uint8Array } };
  };
  const png = new PNG({ width: image.width, height: image.height });
  png.data = image.rgb;
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

/**
 * A NeuronBridge library as published: searchable_neurons/<partition>/*.tif, a pngs/ folder of
 * display copies (readable images, so indexing them by mistake would show), an unlisted stray
 * partition file, and keys_denormalized.json listing full S3 keys, one of them with no file.
 */
async function writeNeuronBridgeLayout(dir: string, { withKeys = true } = {}): Promise<string> {
  const searchable = join(dir, "searchable_neurons");
  for (const [i, { partition, file }] of named.entries()) {
    await mkdir(join(searchable, String(partition)), { recursive: true });
    await writeFile(join(searchable, String(partition), file), encodePackBitsTiff(sprinkledImage(W, H, i), { bigEndian: i % 2 === 0 }));
  }
  await mkdir(join(searchable, "pngs"), { recursive: true });
  for (const [i, { file }] of named.slice(0, 3).entries()) await writeFile(join(searchable, "pngs", file.replace(/\.tif$/, ".png")), encodePng(sprinkledImage(W, H, i)));
  await mkdir(join(searchable, "3"), { recursive: true });
  await writeFile(join(searchable, "3", "STRAY-20200101_11_A1-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_1.tif"), encodePackBitsTiff(sprinkledImage(W, H, 77)));
  if (withKeys) {
    const keys = [...named.map((n) => `${KEY_PREFIX}/${n.partition}/${n.file}`), `${KEY_PREFIX}/${MISSING}`];
    await writeFile(join(searchable, "keys_denormalized.json"), JSON.stringify(keys.reverse()));
  }
  return dir;
}

describe("indexing a NeuronBridge searchable_neurons layout with keys_denormalized.json", () => {
  let source: string;
  let root: string;
  let manifest: LibraryManifest;

  beforeAll(async () => {
    source = await writeNeuronBridgeLayout(join(await tempDir("cds-nb-"), "FlyLight_Split-GAL4_Drivers"));
    root = join(source, "..", "libraries", "split-gal4");
    manifest = await indexLibrary({ source, name: "split-gal4", store: new FolderBlobStore(root), workers: 2, shardSize: 5 });
  });

  it("indexes exactly the listed files that exist, as searchable_neurons/<partition>/<file>", () => {
    expect(manifest.source.layout).toBe("neuronbridge");
    expect(manifest.count).toBe(named.length);
    expect(manifest.items.map((i) => i.sourcePath).sort()).toEqual(named.map((n) => `searchable_neurons/${n.partition}/${n.file}`).sort());
  });

  it("lists the key with no file in skipped, saying so (and nothing else: pngs/ and the unlisted file are not images of the library)", () => {
    expect(manifest.skipped).toEqual([
      { sourcePath: `searchable_neurons/${MISSING}`, reason: "is listed in keys_denormalized.json but there is no such file" },
    ]);
  });

  it("gives each item the metadata of its NeuronBridge name", () => {
    const bySource = new Map(manifest.items.map((i) => [i.sourcePath, i]));
    for (const n of named) {
      const sourcePath = `searchable_neurons/${n.partition}/${n.file}`;
      expect(bySource.get(sourcePath)).toEqual({ name: n.file.replace(/\.tif$/, ""), sourcePath, ...n.metadata });
    }
  });

  it("search results carry the same metadata, at the index the manifest lists them", async () => {
    const params = parseSearchParams({ maskThreshold: 0, dataThreshold: 0, excludeTopLeft: "0x0", excludeTopRight: "0x0" });
    const result = await runLocalSearch({ mask: sprinkledImage(W, H, 0), params, library: { kind: "indexed", root, manifest }, keepAll: true, workers: 1 });
    expect(result.scored).toBe(named.length);
    for (const m of result.matches) expect(m.item).toEqual(manifest.items[m.index]);
    expect(result.matches[0].item).toMatchObject({ publishedName: "LH2033", slideCode: "20170120_61_A4", channel: "1" });
  });

  it("stores the items shuffled, not in path order, with the library name as the seed", () => {
    const paths = manifest.items.map((i) => i.sourcePath);
    expect(paths).not.toEqual([...paths].sort());
    expect(manifest.shuffleSeed).toBe("split-gal4");
  });

  it("re-indexing with the same name gives the same order; another seed another order; that name as --seed the first order again", async () => {
    const order = (m: LibraryManifest) => m.items.map((i) => i.sourcePath);
    const dir = join(source, "..", "reindexed");
    const again = await indexLibrary({ source, name: "split-gal4", store: new FolderBlobStore(join(dir, "a")), workers: 1 });
    const other = await indexLibrary({ source, name: "split-gal4", seed: "another seed", store: new FolderBlobStore(join(dir, "b")), workers: 1 });
    const renamed = await indexLibrary({ source, name: "renamed", seed: "split-gal4", store: new FolderBlobStore(join(dir, "c")), workers: 1 });
    expect(order(again)).toEqual(order(manifest));
    expect(order(other)).not.toEqual(order(manifest));
    expect(order(other).sort()).toEqual(order(manifest).sort());
    expect(order(renamed)).toEqual(order(manifest));
  });
});

describe("a NeuronBridge layout without keys_denormalized.json", () => {
  it("lists every image of the numbered partitions and none of pngs/", async () => {
    const dir = await writeNeuronBridgeLayout(join(await tempDir("cds-nb-"), "lib"), { withKeys: false });
    const listing = await listLibrarySource(dir);
    expect(listing.layout).toBe("neuronbridge");
    expect(listing.missing).toEqual([]);
    expect(listing.images.map((i) => i.sourcePath)).toEqual(
      [...named.map((n) => `searchable_neurons/${n.partition}/${n.file}`), "searchable_neurons/3/STRAY-20200101_11_A1-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_1.tif"].sort(),
    );
  });

  it("is also found when the source is the searchable_neurons folder itself", async () => {
    const dir = await writeNeuronBridgeLayout(join(await tempDir("cds-nb-"), "lib"));
    await rm(join(dir, "searchable_neurons", "pngs"), { recursive: true });
    const listing = await listLibrarySource(join(dir, "searchable_neurons"));
    expect(listing.layout).toBe("neuronbridge");
    expect(listing.images).toHaveLength(named.length);
    expect(listing.missing.map((m) => m.sourcePath)).toEqual([`searchable_neurons/${MISSING}`]);
  });
});
