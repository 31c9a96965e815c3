/**
 * A synthetic target library: mostly random CDMs ("decoys"), with known moved copies of
 * given mask neurons planted at seeded positions, so a search over it has a known answer.
 * Every entry depends only on (seed, index), so a library can be streamed, split across
 * workers, or regenerated entry by entry without storing it.
 */
import { createPrng, deriveSeed, ImageSizeMismatchError, ParameterError, type Seed } from "@cds/core";
import { type Lut, rainbowLut, type RgbImage } from "@cds/core/image";
import { generateCdm, plantMatch } from "./cdm-generator.ts";
import { CDM_HEIGHT, CDM_WIDTH } from "./layout.ts";
import type { Neuron } from "./neuron.ts";

/** What was planted in a target: which mask, moved how. */
export interface PlantedInfo {
  /** Index into `LibraryOptions.masks`. */
  maskIndex: number;
  dx: number;
  dy: number;
  /** The copy is mirrored x → W−1−x (after the shift; see placeNeuron). */
  mirrored: boolean;
}

export interface LibraryEntry {
  /** Position in the library, 0-based. */
  index: number;
  /** A NeuronBridge-like name, unique within the library. */
  name: string;
  image: RgbImage;
  /** Present on planted targets only. */
  planted?: PlantedInfo;
}

export interface LibraryOptions {
  seed: Seed;
  /** Number of entries (decoys plus planted targets). */
  count: number;
  /** Neurons to plant (e.g. from generateNeuron); their masks are renderMask(neuron). */
  masks?: readonly Neuron[];
  /** Planted targets per mask; default 1 when masks are given. */
  plantedPerMask?: number;
  /**
   * The widest search shift the planted offsets must stay recoverable by: 0 plants
   * unshifted copies; 2 (default) uses dx, dy ∈ {−2, 0, 2}; 4 adds the offsets with
   * dx, dy ∈ {−4, 0, 4} (the 17 offsets a scorer with xyShift 4 tries).
   */
  xyShift?: 0 | 2 | 4;
  /** Share of planted copies that are mirrored; default 0.5 (0 for non-mirroring searches). */
  mirrorFraction?: number;
  /** Colour-depth LUT; default the procedural one. */
  lut?: Lut;
  /** Image size; default the masks' size, else 1210×566. */
  width?: number;
  height?: number;
}

/** Which entries are planted and how, fixed by the options; entries are made on demand. */
export interface LibraryPlan {
  readonly options: Readonly<LibraryOptions>;
  readonly count: number;
  readonly width: number;
  readonly height: number;
  /** Indices of the planted targets, ascending. */
  readonly plantedIndices: readonly number[];
  planted(index: number): PlantedInfo | undefined;
}

/**
 * Fixes where the planted targets go (cheap: O(masks × plantedPerMask), not O(count)).
 *
 * @example
 * const plan = planLibrary({ seed: "lib", count: 50_000, masks, plantedPerMask: 5 });
 * plan.plantedIndices.length; // masks.length * 5
 * const entry = libraryEntry(plan, plan.plantedIndices[0]);
 */
export function planLibrary(options: LibraryOptions): LibraryPlan {
  const { seed, count } = options;
  const masks = options.masks ?? [];
  const perMask = options.plantedPerMask ?? (masks.length > 0 ? 1 : 0);
  const xyShift = options.xyShift ?? 2;
  const mirrorFraction = options.mirrorFraction ?? 0.5;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new ParameterError("count", `count must be a non-negative integer, got ${count}`);
  }
  if (!Number.isSafeInteger(perMask) || perMask < 0) {
    throw new ParameterError("plantedPerMask", `plantedPerMask must be a non-negative integer, got ${perMask}`);
  }
  if (xyShift !== 0 && xyShift !== 2 && xyShift !== 4) {
    throw new ParameterError("xyShift", `xyShift must be 0, 2 or 4, got ${String(xyShift)}`);
  }
  if (!(mirrorFraction >= 0 && mirrorFraction <= 1)) {
    throw new ParameterError("mirrorFraction", `mirrorFraction must be within 0–1, got ${mirrorFraction}`);
  }
  const plants = masks.length * perMask;
  if (plants > count) {
    throw new ParameterError("count", `${masks.length} masks × ${perMask} planted targets need at least ${plants} entries, count is ${count}`);
  }
  const width = options.width ?? masks[0]?.width ?? CDM_WIDTH;
  const height = options.height ?? masks[0]?.height ?? CDM_HEIGHT;
  masks.forEach((mask, i) => {
    if (mask.width !== width || mask.height !== height) {
      throw new ImageSizeMismatchError({ width, height }, mask, `mask neuron ${i}`);
    }
  });

  const rng = createPrng(deriveSeed(seed, "plan"));
  const offsets = recoverableOffsets(xyShift);
  // Sparse Fisher–Yates: draws distinct indices without an array of `count` slots.
  const swapped = new Map<number, number>();
  const byIndex = new Map<number, PlantedInfo>();
  for (let k = 0; k < plants; k++) {
    const j = rng.int(k, count - 1);
    const chosen = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(k) ?? k);
    const [dx, dy] = rng.pick(offsets);
    byIndex.set(chosen, { maskIndex: Math.floor(k / perMask), dx, dy, mirrored: rng.chance(mirrorFraction) });
  }
  const plantedIndices = [...byIndex.keys()].sort((a, b) => a - b);
  return {
    options: { ...options, masks, plantedPerMask: perMask, xyShift, mirrorFraction, lut: options.lut ?? rainbowLut(), width, height },
    count, width, height, plantedIndices,
    planted: (index) => byIndex.get(index),
  };
}

/** Offsets a scorer with this xyShift tries (cdm-reference 1.3): rings i = 2, 4, … of {−i, 0, i}². */
function recoverableOffsets(xyShift: number): [number, number][] {
  const set = new Map<string, [number, number]>([["0,0", [0, 0]]]);
  for (let i = 2; i <= xyShift; i += 2) {
    for (const dy of [-i, 0, i]) for (const dx of [-i, 0, i]) set.set(`${dx},${dy}`, [dx, dy]);
  }
  return [...set.values()];
}

/**
 * Makes one entry of a planned library; the same (plan, index) always gives the same bytes.
 *
 * @example
 * const plan = planLibrary({ seed: 1, count: 1000 });
 * const { name, image } = libraryEntry(plan, 999);
 */
export function libraryEntry(plan: LibraryPlan, index: number): LibraryEntry {
  if (!Number.isSafeInteger(index) || index < 0 || index >= plan.count) {
    throw new ParameterError("index", `index must be an integer in [0, ${plan.count}), got ${index}`);
  }
  const { seed, lut, masks = [] } = plan.options;
  const imageSeed = deriveSeed(seed, "entry", index);
  const name = libraryName(seed, index);
  const planted = plan.planted(index);
  const common = { seed: imageSeed, lut, width: plan.width, height: plan.height };
  if (planted === undefined) return { index, name, image: generateCdm(common) };
  const image = plantMatch(masks[planted.maskIndex], { ...common, dx: planted.dx, dy: planted.dy, mirror: planted.mirrored });
  return { index, name, image, planted: { ...planted } };
}

/**
 * Streams a synthetic library in index order: decoys and planted targets, deterministic
 * in the options. `start`/`end` select a slice (e.g. one worker's batch) without making
 * the entries before it.
 *
 * @example
 * const masks = [generateNeuron("m0"), generateNeuron("m1")];
 * for (const { name, image, planted } of generateLibrary({ seed: "lib", count: 1000, masks, plantedPerMask: 3 })) {
 *   // score renderMask(masks[i]) against image; `planted` says which ones must match
 * }
 */
export function* generateLibrary(options: LibraryOptions & { start?: number; end?: number }): Generator<LibraryEntry, void, undefined> {
  const plan = planLibrary(options);
  const start = Math.max(0, options.start ?? 0);
  const end = Math.min(plan.count, options.end ?? plan.count);
  for (let index = start; index < end; index++) yield libraryEntry(plan, index);
}

const SLIDE_LETTERS = "ABCDEFGHIJ";

/**
 * A NeuronBridge-style image name, hyphen-separated fields:
 * publishedName-slideCode-gender-objective-anatomicalArea-alignmentSpace-CDM_channel,
 * e.g. `SYN_00042-20190813_66_F3-f-40x-Brain-JRC2018_Unisex_20x_HR-CDM_2`.
 *
 * @example
 * libraryName("lib", 42); // "SYN_00042-…-CDM_<1–4>", the same every time
 */
export function libraryName(seed: Seed, index: number): string {
  const rng = createPrng(deriveSeed(seed, "name", index));
  const date = `${rng.int(2016, 2023)}${pad(rng.int(1, 12), 2)}${pad(rng.int(1, 28), 2)}`;
  const slide = `${date}_${rng.int(20, 99)}_${SLIDE_LETTERS[rng.int(0, 9)]}${rng.int(1, 8)}`;
  const gender = rng.chance(0.5) ? "f" : "m";
  return `SYN_${pad(index, 5)}-${slide}-${gender}-40x-Brain-JRC2018_Unisex_20x_HR-CDM_${rng.int(1, 4)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
