import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { seededRandom } from "./random-images.ts";
import { encodePackBitsTiff, type RgbImage } from "@cds/core/image";
import {
  libraryEntry,
  type PlantedInfo,
  renderMask,
  syntheticLibrary,
  type SyntheticLibrarySpec,
} from "@cds/synthetic";

/** One target image written to disk, with what the generator planted in it (if anything). */
export interface WrittenTarget {
  /** File name without extension (the library item's name). */
  name: string;
  /** Absolute path of the TIFF. */
  file: string;
  /** Path relative to the folder it was written to (the library item's sourcePath). */
  sourcePath: string;
  planted?: PlantedInfo;
}

/**
 * Writes the targets of a synthetic library spec as PackBits TIFFs (alternating little- and
 * big-endian, as real libraries mix both) into `dir`, and returns the masks of the spec
 * (renderMask of each planted neuron) with the written files.
 *
 * @example
 * const { masks, targets } = await writeSyntheticTargets(dir, { seed: "s", count: 60, masks: 2, plantedPerMask: 3 });
 */
export async function writeSyntheticTargets(
  dir: string,
  spec: SyntheticLibrarySpec,
): Promise<{ masks: RgbImage[]; targets: WrittenTarget[] }> {
  const { plan, neurons } = syntheticLibrary(spec);
  await mkdir(dir, { recursive: true });
  const targets: WrittenTarget[] = [];
  for (let i = 0; i < spec.count; i++) {
    const entry = libraryEntry(plan, i);
    const sourcePath = `${entry.name}.tif`;
    const file = join(dir, sourcePath);
    await writeFile(file, encodePackBitsTiff(entry.image, { bigEndian: i % 2 === 1 }));
    targets.push({ name: entry.name, file, sourcePath, ...(entry.planted ? { planted: entry.planted } : {}) });
  }
  return { masks: neurons.map(renderMask), targets };
}

/**
 * Colours at the edges the scorer and the index encoding must get exactly right: channels at
 * and around the thresholds 0, 1, 20 and 100, ties (grey, two equal maxima, no hue sector),
 * ratio-0 pure colours, and second/largest ratios near the sector boundaries.
 */
export const EDGE_PALETTE: readonly (readonly [number, number, number])[] = [
  [1, 0, 0], [0, 1, 0], [2, 1, 0], [1, 1, 1], [0, 2, 1], [3, 0, 2],
  [20, 3, 0], [21, 3, 0], [0, 21, 20], [21, 21, 0], [19, 0, 18],
  [100, 40, 0], [101, 40, 0], [0, 100, 99], [101, 101, 7], [100, 100, 100],
  [0, 0, 255], [255, 0, 0], [0, 255, 0], [255, 254, 0], [0, 254, 255], [254, 0, 255],
  [255, 90, 0], [255, 91, 3], [0, 129, 255], [130, 255, 0], [0, 255, 203], [255, 0, 180],
  [200, 112, 9], [9, 200, 112], [112, 9, 200], [180, 178, 40], [64, 0, 63], [63, 64, 0],
];

/** An edge colour, or a copy of `near` with one channel moved by up to ±3. */
function edgeColor(rand: () => number, near?: ArrayLike<number>): [number, number, number] {
  if (near && rand() < 0.7) {
    const c: [number, number, number] = [near[0], near[1], near[2]];
    const k = Math.floor(rand() * 3);
    c[k] = Math.max(0, Math.min(255, c[k] + Math.floor(rand() * 7) - 3));
    return c;
  }
  const p = EDGE_PALETTE[Math.floor(rand() * EDGE_PALETTE.length)];
  return [p[0], p[1], p[2]];
}

/** The bands every edge image paints: the image border and both sides of the label-region edges. */
function inEdgeBand(x: number, y: number, width: number, height: number): boolean {
  const near = (v: number, at: number) => Math.abs(v - at) <= 5;
  return (
    x < 6 || y < 6 || x >= width - 6 || y >= height - 6 ||
    (near(x, 330) && y < 106) || (near(y, 100) && x < 336) ||
    (near(x, width - 270) && y < 96) || (near(y, 90) && x > width - 276)
  );
}

/**
 * A mask with pixels where the scorer's edge cases are: along the image border (where shifted
 * copies fall off the image), on both sides of the label regions' edges, and a scattered blob,
 * in {@link EDGE_PALETTE} colours.
 */
export function edgeMask(width: number, height: number, seed: number): RgbImage {
  const rand = seededRandom(seed);
  const rgb = new Uint8Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const blob = (x - 600) ** 2 / 90 ** 2 + (y - 330) ** 2 / 60 ** 2 < 1;
      if ((inEdgeBand(x, y, width, height) && rand() < 0.5) || (blob && rand() < 0.3)) rgb.set(edgeColor(rand), 3 * (y * width + x));
    }
  }
  return { width, height, rgb };
}

/**
 * A target built to score "almost" against the given masks: each mask's lit pixels copied at
 * a random even shift (±4) and optionally mirrored, mostly in nearly the mask's colour and
 * otherwise in edge colours; edge bands as in {@link edgeMask}; and faint 0–3 speckle all
 * over (lit only at data thresholds 0, 1 and 2).
 */
export function edgeTarget(masks: readonly RgbImage[], seed: number): RgbImage {
  const { width, height } = masks[0];
  const rand = seededRandom(seed);
  const rgb = new Uint8Array(3 * width * height);
  for (let p = 0; p < width * height; p++) {
    if (rand() < 0.02) rgb.set([Math.floor(rand() * 4), Math.floor(rand() * 4), Math.floor(rand() * 4)], 3 * p);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (inEdgeBand(x, y, width, height) && rand() < 0.6) rgb.set(edgeColor(rand), 3 * (y * width + x));
  }
  for (const mask of masks) {
    const dx = 2 * Math.floor(rand() * 5) - 4;
    const dy = 2 * Math.floor(rand() * 5) - 4;
    const mirror = rand() < 0.5;
    for (let p = 0; p < width * height; p++) {
      const i = 3 * p;
      if ((mask.rgb[i] | mask.rgb[i + 1] | mask.rgb[i + 2]) === 0 || rand() < 0.2) continue;
      let x = (p % width) + dx;
      const y = Math.floor(p / width) + dy;
      if (mirror) x = width - 1 - x;
      if (x < 0 || x >= width || y < 0 || y >= height) continue;
      rgb.set(edgeColor(rand, mask.rgb.subarray(i, i + 3)), 3 * (y * width + x));
    }
  }
  return { width, height, rgb };
}

/**
 * A small image of `width`×`height` with about `density` of its pixels in edge-palette colours:
 * quick to index, for tests about library plumbing rather than scores.
 */
export function sprinkledImage(width: number, height: number, seed: number, density = 0.2): RgbImage {
  const rand = seededRandom(seed);
  const rgb = new Uint8Array(3 * width * height);
  for (let p = 0; p < width * height; p++) if (rand() < density) rgb.set(edgeColor(rand), 3 * p);
  return { width, height, rgb };
}
