/**
 * Whole synthetic CDMs: library-like images (background noise, dim speckles, labels and
 * several random neurons) and "planted" targets that also carry a known, moved copy of a
 * mask's neuron, so a search's expected hits are known exactly.
 */
import { createPrng, deriveSeed, ParameterError, type Prng, type Seed } from "@cds/core";
import { type Lut, rainbowLut, type RgbImage } from "@cds/core/image";
import type { Canvas } from "./canvas.ts";
import { createCanvas, LIT_LEVEL, NOISE_CEILING, plotMax } from "./canvas.ts";
import { drawLabels } from "./labels.ts";
import type { Domain } from "./layout.ts";
import { CDM_HEIGHT, CDM_WIDTH, neuronDomain } from "./layout.ts";
import type { Neuron, Placement } from "./neuron.ts";
import { placeNeuron } from "./neuron.ts";
import type { Blocked } from "./strokes.ts";
import { drawNeuron } from "./strokes.ts";

export interface CdmOptions {
  seed: Seed;
  /** Image width; default 1210. */
  width?: number;
  /** Image height; default 566. */
  height?: number;
  /** Colour-depth LUT; default the procedural PsychedelicRainBow2 ({@link rainbowLut}). */
  lut?: Lut;
  /**
   * Fraction of pixels lit (any channel > 20) by neurons, a planted copy included; labels
   * and speckles add about 1.5–2 % more. Default: seeded, 0.05–0.12, for 6.5–14 % lit in
   * all (real LM CDMs: about 2–10 %).
   */
  litFraction?: number;
  /** Draw the name label and the colour legend; default true. */
  labels?: boolean;
  /** Add background noise (≤ 18 per channel) and dim speckles (max channel 21–89); default true. */
  noise?: boolean;
}

/** Options of {@link plantMatch}: where the copy goes, plus everything a CDM takes. */
export interface PlantOptions extends CdmOptions, Placement {}

// Enough attempts to fill any budget even when walks keep hitting the brain outline or a
// planted copy; each attempt costs at most one failed start-point search.
const MAX_DECOYS = 60;

// Decoys keep this far (in 8-px cells) from a planted copy. 8 px exceeds a stroke's reach
// (7), so decoys never touch it and the copy's pixels survive exactly.
const CELL_SHIFT = 3;

/**
 * A library-like CDM: black background with faint noise, dim speckles, a name label
 * (top-left), a colour-scale legend (top-right) and random neurons drawn as a max
 * projection. Deterministic in `seed` (and the other options).
 *
 * @example
 * const image = generateCdm({ seed: "lib/17" }); // 1210×566, ~6.5–14 % of pixels lit
 * const real = generateCdm({ seed: 1, lut: await loadLutFile(path) });
 */
export function generateCdm(options: CdmOptions): RgbImage {
  const { canvas, domain, lut, budget } = startCdm(options);
  drawDecoys(canvas, createPrng(deriveSeed(options.seed, "neurons")), lut, domain, budget);
  return finishCdm(canvas, options, lut, domain);
}

/**
 * A target CDM that contains `neuron` moved by (dx, dy) and, when `mirror`, flipped
 * x → W−1−x (after the shift, as the scorer samples it: see {@link placeNeuron}), among
 * random decoy neurons, with labels and noise. The copy's pixels have exactly the
 * neuron's colours: decoys keep at least 8 px away, and noise and speckles only go
 * where nothing is lit.
 *
 * @example
 * const neuron = generateNeuron("m1");
 * const target = plantMatch(neuron, { seed: "t1", dx: 2, dy: 0, mirror: true });
 * // a search with xyShift ≥ 2 and mirrorMask finds every mask pixel of renderMask(neuron)
 */
export function plantMatch(neuron: Neuron, options: PlantOptions): RgbImage {
  const width = options.width ?? neuron.width;
  const height = options.height ?? neuron.height;
  if (width !== neuron.width || height !== neuron.height) {
    throw new ParameterError("width", `the neuron is ${neuron.width}×${neuron.height}, the target would be ${width}×${height}`);
  }
  const { canvas, domain, lut, budget } = startCdm({ ...options, width, height });

  const placed = placeNeuron(neuron, options);
  const gridWidth = (width >> CELL_SHIFT) + 1;
  const gridHeight = (height >> CELL_SHIFT) + 1;
  const near = new Uint8Array(gridWidth * gridHeight);
  const { rgb } = canvas;
  for (let k = 0; k < placed.pixels.length; k++) {
    const p = placed.pixels[k];
    if (p < 0) continue;
    // The canvas is still empty, so a plain copy is the max projection.
    const c = placed.colors;
    rgb[3 * p] = c[3 * k];
    rgb[3 * p + 1] = c[3 * k + 1];
    rgb[3 * p + 2] = c[3 * k + 2];
    if (c[3 * k] > LIT_LEVEL || c[3 * k + 1] > LIT_LEVEL || c[3 * k + 2] > LIT_LEVEL) canvas.lit++;
    const cx = (p % width) >> CELL_SHIFT;
    const cy = ((p / width) | 0) >> CELL_SHIFT;
    for (let gy = Math.max(0, cy - 1); gy <= Math.min(gridHeight - 1, cy + 1); gy++) {
      for (let gx = Math.max(0, cx - 1); gx <= Math.min(gridWidth - 1, cx + 1); gx++) near[gy * gridWidth + gx] = 1;
    }
  }
  const blocked: Blocked = (x, y) => near[(y >> CELL_SHIFT) * gridWidth + (x >> CELL_SHIFT)] === 1;

  drawDecoys(canvas, createPrng(deriveSeed(options.seed, "neurons")), lut, domain, budget, blocked);
  return finishCdm(canvas, options, lut, domain);
}

function startCdm(options: CdmOptions): { canvas: Canvas; domain: Domain; lut: Lut; budget: number } {
  const width = options.width ?? CDM_WIDTH;
  const height = options.height ?? CDM_HEIGHT;
  const lut = options.lut ?? rainbowLut();
  const litFraction = options.litFraction ?? createPrng(options.seed).range(0.05, 0.12);
  if (!(litFraction >= 0 && litFraction <= 1)) {
    throw new ParameterError("litFraction", `litFraction is a fraction of the image, 0–1; got ${litFraction}`);
  }
  return {
    canvas: createCanvas(width, height),
    domain: neuronDomain(width, height),
    lut,
    budget: Math.round(litFraction * width * height),
  };
}

/**
 * Noise and labels go on after the neurons, each from its own random stream and never
 * over lit pixels, so turning either off leaves every neuron pixel as it was.
 */
function finishCdm(canvas: Canvas, options: CdmOptions, lut: Lut, domain: Domain): RgbImage {
  if (options.noise ?? true) drawNoise(canvas, createPrng(deriveSeed(options.seed, "noise")), lut, domain);
  if (options.labels ?? true) drawLabels(canvas, createPrng(deriveSeed(options.seed, "labels")), lut);
  return { width: canvas.width, height: canvas.height, rgb: canvas.rgb };
}

function drawDecoys(canvas: Canvas, rng: Prng, lut: Lut, domain: Domain, budget: number, blocked?: Blocked): void {
  for (let n = 0; n < MAX_DECOYS && canvas.lit < budget; n++) drawNeuron(canvas, rng, lut, domain, budget, blocked);
}

/**
 * Sparse dark noise that is never lit at threshold 20, plus a few dim coloured speckles
 * that are lit at 20 but not at 100, so the two thresholds in use give different masks.
 * Both only fill black pixels: in a max projection they would not show over a neurite.
 */
function drawNoise(canvas: Canvas, rng: Prng, lut: Lut, domain: Domain): void {
  const { width, height, rgb } = canvas;
  const n = width * height;
  // Uniform gaps with mean ≈ 1/density: cheaper than geometric ones and looks the same.
  const maxGap = Math.max(2, Math.min(256, Math.round(2 / rng.range(0.01, 0.04))));
  // One draw per noise pixel: the top byte picks the gap to the next one, the low three
  // bytes its colour.
  for (let p = rng.int(0, maxGap - 1); p < n;) {
    const bits = rng.uint32();
    const i = 3 * p;
    if (rgb[i] === 0 && rgb[i + 1] === 0 && rgb[i + 2] === 0) {
      rgb[i] = 1 + ((bits & 0xff) % NOISE_CEILING);
      rgb[i + 1] = 1 + (((bits >>> 8) & 0xff) % NOISE_CEILING);
      rgb[i + 2] = 1 + (((bits >>> 16) & 0xff) % NOISE_CEILING);
    }
    p += 1 + (((bits >>> 24) * maxGap) >>> 8);
  }
  const speckles = rng.int(150, 600);
  for (let s = 0; s < speckles; s++) {
    const x = rng.int(0, width - 1);
    const y = rng.int(0, height - 1);
    const z = 3 * rng.int(0, 255);
    const level = rng.range(0.09, 0.35);
    const i = 3 * (y * width + x);
    if (!domain.contains(x, y) || rgb[i] > LIT_LEVEL || rgb[i + 1] > LIT_LEVEL || rgb[i + 2] > LIT_LEVEL) continue;
    plotMax(canvas, y * width + x, Math.round(lut[z] * level), Math.round(lut[z + 1] * level), Math.round(lut[z + 2] * level));
  }
}
