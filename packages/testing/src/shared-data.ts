import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from this file's location. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Real CDM test data lives beside the checkout, never inside it. */
export const sharedCdmDir = resolve(repoRoot, "../shared/data/cdm");
export const hasSharedCdm = existsSync(join(sharedCdmDir, "README.md"));
export const SKIP_SHARED_NOTE = `../shared/data/cdm not found at ${sharedCdmDir}: skipping tests on real CDM images`;

export const cdsearch = (path: string) => join(sharedCdmDir, "colormipsearch/cdsearch", path);

export const LPLC2 = "ems/1752016801-LPLC2-RT_18U.tif";
export const EM_12191 = "ems/12191_JRC2018U.tif";
export const EM_12191_FL = "ems/12191_JRC2018U_FL.tif";
export const BJD = "lms/BJD_127B01_AE_01-20171124_64_H6-40x-Brain-JRC2018_Unisex_20x_HR-2483089192251293794-CH2-01_CDM.tif";
export const GMR = "lms/GMR_31G04_AE_01-20190813_66_F3-40x-Brain-JRC2018_Unisex_20x_HR-2704505419467849826-CH2-07_CDM.tif";
export const VT016795 = "lms/VT016795_115C08_AE_01-20200221_61_I2-m-CH1_01.tif";
export const VT033614 = "lms/VT033614_127B01_AE_01-20171124_64_H6-f-CH2_01.tif";

/**
 * The six pixel-match scores asserted upstream (colormipsearch PixelMatchColorDepthSearchAlgorithmTest),
 * at 20 / 20 / 1 / xyShift 2 / mirror with the 330×100 and 270×90 label regions.
 */
export const upstreamPixelMatchCases: { mask: string; target: string; matchingPixels: number; mirrored: boolean }[] = [
  { mask: LPLC2, target: GMR, matchingPixels: 87, mirrored: false },
  { mask: EM_12191, target: VT033614, matchingPixels: 439, mirrored: false },
  { mask: EM_12191, target: BJD, matchingPixels: 414, mirrored: false },
  { mask: EM_12191_FL, target: VT033614, matchingPixels: 515, mirrored: false },
  { mask: EM_12191_FL, target: VT016795, matchingPixels: 483, mirrored: false },
  { mask: EM_12191, target: VT016795, matchingPixels: 426, mirrored: true },
];
