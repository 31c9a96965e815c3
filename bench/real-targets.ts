// `npm run bench:real`: plain vs fast scoring time per target for the real 12191 EM mask
// against the four real LM targets of ../shared/data/cdm, at custom-search defaults, on
// decoded images (decoding excluded), single-threaded.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImageFile, defaultSearchParams, prepareMask, scorePixelMatchPlain, scoreTargetImage } from "@cds/core";

const cdsearch = resolve(dirname(fileURLToPath(import.meta.url)), "../../shared/data/cdm/colormipsearch/cdsearch");
const targets = [
  "VT033614_127B01_AE_01-20171124_64_H6-f-CH2_01.tif",
  "BJD_127B01_AE_01-20171124_64_H6-40x-Brain-JRC2018_Unisex_20x_HR-2483089192251293794-CH2-01_CDM.tif",
  "VT016795_115C08_AE_01-20200221_61_I2-m-CH1_01.tif",
  "GMR_31G04_AE_01-20190813_66_F3-40x-Brain-JRC2018_Unisex_20x_HR-2704505419467849826-CH2-07_CDM.tif",
];

export interface RealTargetTiming {
  plainMsPerTarget: number;
  fastMsPerTarget: number;
  prepareMs: number;
  scores: { target: string; matchingPixels: number; mirrored: boolean }[];
}

/** Times both scorers over `rounds` passes of the four targets (after a warm-up pass). */
export async function timeRealTargets(rounds = { plain: 10, fast: 500 }): Promise<RealTargetTiming | undefined> {
  if (!existsSync(cdsearch)) return undefined;
  const mask = await decodeImageFile(join(cdsearch, "ems/12191_JRC2018U.tif"));
  const images = await Promise.all(targets.map((t) => decodeImageFile(join(cdsearch, "lms", t))));
  const params = defaultSearchParams;
  let t = performance.now();
  const prepared = prepareMask(mask, params);
  const prepareMs = performance.now() - t;
  const time = (passes: number, score: (i: number) => unknown) => {
    for (let i = 0; i < images.length; i++) score(i);
    const start = performance.now();
    for (let p = 0; p < passes; p++) for (let i = 0; i < images.length; i++) score(i);
    return (performance.now() - start) / (passes * images.length);
  };
  const plainMsPerTarget = time(rounds.plain, (i) => scorePixelMatchPlain(mask, images[i], params));
  const fastMsPerTarget = time(rounds.fast, (i) => scoreTargetImage(prepared, images[i]));
  t = performance.now();
  const scores = images.map((image, i) => {
    const s = scoreTargetImage(prepared, image);
    return { target: targets[i], matchingPixels: s.matchingPixels, mirrored: s.mirrored };
  });
  return { plainMsPerTarget, fastMsPerTarget, prepareMs, scores };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const timing = await timeRealTargets();
  if (!timing) {
    console.log(`../shared/data/cdm not found at ${cdsearch}: nothing to measure`);
  } else {
    console.log("12191_JRC2018U vs the 4 real LM targets, custom-search defaults (100/100/2/xy 2/mirror), one thread, decoded images:");
    for (const s of timing.scores) console.log(`  ${s.target.slice(0, 40).padEnd(40)} ${String(s.matchingPixels).padStart(5)} px${s.mirrored ? " (mirrored)" : ""}`);
    console.log(`  plain: ${timing.plainMsPerTarget.toFixed(3)} ms/target`);
    console.log(`  fast:  ${timing.fastMsPerTarget.toFixed(3)} ms/target (${(timing.plainMsPerTarget / timing.fastMsPerTarget).toFixed(1)}× faster; mask preparation once per search: ${timing.prepareMs.toFixed(1)} ms)`);
  }
}
