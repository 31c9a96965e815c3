import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { decodeImage, encodePackBitsTiff } from "@cds/core/image";
import { layoutOf, readManifest } from "@cds/core/library";
import { prepareMask } from "@cds/core/scoring";
import { compareMatches, searchLibraryRange, type SearchParams, type TargetMatch } from "@cds/core/search";
import { generateNeuron, renderMask, syntheticLibrary, type SyntheticLibrarySpec } from "@cds/synthetic";
import { FolderBlobStore } from "@cds/local";
import { cdsearch, sharedCdmDir } from "@cds/testing/shared-data";

/** The real 1210×566 CDMs of ../shared/data/cdm that pass intake's checks at default parameters. */
export const REAL_MASKS: readonly { name: string; path: () => string }[] = [
  { name: "EM 12191", path: () => cdsearch("ems/12191_JRC2018U.tif") },
  { name: "EM 12191 FL", path: () => cdsearch("ems/12191_JRC2018U_FL.tif") },
  { name: "EM LPLC2", path: () => cdsearch("ems/1752016801-LPLC2-RT_18U.tif") },
  { name: "LM BJD", path: () => cdsearch("lms/BJD_127B01_AE_01-20171124_64_H6-40x-Brain-JRC2018_Unisex_20x_HR-2483089192251293794-CH2-01_CDM.tif") },
  { name: "LM GMR", path: () => cdsearch("lms/GMR_31G04_AE_01-20190813_66_F3-40x-Brain-JRC2018_Unisex_20x_HR-2704505419467849826-CH2-07_CDM.tif") },
  { name: "LM VT016795", path: () => cdsearch("lms/VT016795_115C08_AE_01-20200221_61_I2-m-CH1_01.tif") },
  { name: "LM VT033614", path: () => cdsearch("lms/VT033614_127B01_AE_01-20171124_64_H6-f-CH2_01.tif") },
  { name: "BJD zgap", path: () => cdsearch("zgap/BJD_127B01_AE_01-20171124_64_H6-40x-Brain-JRC2018_Unisex_20x_HR-2483089192251293794-CH2-01_CDM.tif") },
  { name: "EM DNp11 FL", path: () => join(sharedCdmDir, "colormipsearch/imageprocessing/1281324958-DNp11-RT_18U_FL.tif") },
  { name: "testMIP png", path: () => join(sharedCdmDir, "neuronbridge-services/mips/testMIP.png") },
  { name: "testMIP tif", path: () => join(sharedCdmDir, "neuronbridge-services/mips/testMIP.tif") },
];

/**
 * Writes `count` synthetic 1210×566 masks as PackBits TIFFs into `dir`: first the masks of the
 * neurons `spec` plants in its library (they have true matches there), then masks of further
 * seeded neurons. Returns the files, in name order.
 *
 * @example
 * const files = await writeSyntheticMasks(join(dir, "synthetic"), spec, 89);
 */
export async function writeSyntheticMasks(dir: string, spec: SyntheticLibrarySpec, count: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const planted = syntheticLibrary(spec).neurons;
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const neuron = i < planted.length ? planted[i] : generateNeuron(`${spec.seed}-extra-${i}`);
    const file = join(dir, `syn-${String(i).padStart(3, "0")}.tif`);
    await writeFile(file, encodePackBitsTiff(renderMask(neuron)));
    files.push(file);
  }
  return files;
}

/**
 * Copies the real masks into `dir` and writes a CSV manifest naming them (`file,name`).
 * Returns the manifest's path.
 *
 * @example
 * const manifest = await writeRealMaskManifest(join(dir, "real"));
 */
export async function writeRealMaskManifest(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const rows = ["file,name"];
  for (const [i, mask] of REAL_MASKS.entries()) {
    const file = `${String(i).padStart(2, "0")}-${basename(mask.path())}`;
    await copyFile(mask.path(), join(dir, file));
    rows.push(`${file},${mask.name}`);
  }
  const manifest = join(dir, "real-masks.csv");
  await writeFile(manifest, `${rows.join("\n")}\n`);
  return manifest;
}

/**
 * The ranking `cds search` computes for a mask over an indexed library — the same scoring
 * function over the whole library, in this thread, sorted and cut to `top` the same way.
 *
 * @example
 * const reference = await referenceRanking(join(root, "libraries", "syn"), maskFile, params, 400);
 */
export async function referenceRanking(libraryRoot: string, maskFile: string, params: SearchParams, top: number): Promise<TargetMatch[]> {
  const store = new FolderBlobStore(libraryRoot);
  const manifest = await readManifest(store);
  const prepared = prepareMask(await decodeImage(await readFile(maskFile), { name: maskFile }), params);
  const { matches } = await searchLibraryRange(store, layoutOf(manifest), prepared, 0, manifest.count, { minMatchingPixRatio: params.minMatchingPixRatio });
  return matches.sort(compareMatches).slice(0, top);
}
