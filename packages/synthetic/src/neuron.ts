/**
 * A single synthetic neuron as an explicit pixel set: what a user's mask holds, and what
 * a planted match copies (shifted and/or mirrored) into a library image.
 */
import { createPrng, ParameterError, type Seed } from "@cds/core";
import { type Lut, rainbowLut, type RgbImage } from "@cds/core/image";
import { createCanvas, LIT_LEVEL } from "./canvas.ts";
import { CDM_HEIGHT, CDM_WIDTH, neuronDomain } from "./layout.ts";
import { drawNeuron } from "./strokes.ts";

/**
 * A neuron's pixels in image coordinates. Every pixel is lit (some channel > 20) and lies
 * far enough from the labels and the border that shifting by up to ±4 px and/or mirroring
 * keeps it inside the image and outside both label corners.
 */
export interface Neuron {
  readonly width: number;
  readonly height: number;
  /** Pixel indices y·width + x, ascending. */
  readonly pixels: Int32Array;
  /** Colour of pixels[k] at colors[3k], colors[3k+1], colors[3k+2]. */
  readonly colors: Uint8Array;
}

export interface NeuronOptions {
  /** Image width; default 1210. */
  width?: number;
  /** Image height; default 566. */
  height?: number;
  /** Colour-depth LUT; default the procedural PsychedelicRainBow2. */
  lut?: Lut;
  /**
   * About how many lit pixels the neuron should have: drawing stops once reached, and
   * adds primary neurites (up to 6) until at least 70 % of it. Default: seeded,
   * 3,000–15,000.
   */
  pixels?: number;
}

// A walk can end well short of the requested size (in a corner of the brain, or just a
// short trunk); more primary neurites from the same cell body make up most of the rest.
const ENOUGH = 0.7;
const MAX_TRUNKS = 6;

/**
 * Generates one neuron (cell body, trunk, branches, twig tufts), deterministic in `seed`.
 *
 * @example
 * const neuron = generateNeuron("mask-3");
 * const mask = renderMask(neuron); // a 1210×566 CDM with only this neuron
 */
export function generateNeuron(seed: Seed, options: NeuronOptions = {}): Neuron {
  const width = options.width ?? CDM_WIDTH;
  const height = options.height ?? CDM_HEIGHT;
  const lut = options.lut ?? rainbowLut();
  const rng = createPrng(seed);
  const target = options.pixels ?? rng.int(3000, 15000);
  if (!(target > 0)) throw new ParameterError("pixels", `a neuron needs a positive pixel count, got ${target}`);

  const canvas = createCanvas(width, height);
  const domain = neuronDomain(width, height);
  let root = drawNeuron(canvas, rng, lut, domain, target);
  for (let trunk = 1; root !== undefined && trunk < MAX_TRUNKS && canvas.lit < ENOUGH * target; trunk++) {
    root = drawNeuron(canvas, rng, lut, domain, target, undefined, root);
  }
  if (canvas.lit === 0) {
    throw new ParameterError("width", `a ${width}×${height} image leaves no room for a neuron outside the labels`);
  }
  return collect(canvas.rgb, width, height, canvas.lit);
}

function collect(rgb: Uint8Array, width: number, height: number, count: number): Neuron {
  const pixels = new Int32Array(count);
  const colors = new Uint8Array(3 * count);
  let k = 0;
  for (let p = 0, i = 0; p < width * height; p++, i += 3) {
    if (rgb[i] > LIT_LEVEL || rgb[i + 1] > LIT_LEVEL || rgb[i + 2] > LIT_LEVEL) {
      pixels[k] = p;
      colors[3 * k] = rgb[i];
      colors[3 * k + 1] = rgb[i + 1];
      colors[3 * k + 2] = rgb[i + 2];
      k++;
    }
  }
  return { width, height, pixels, colors };
}

/**
 * A mask CDM as a user would upload it: the neuron on black, no labels, no noise.
 *
 * @example
 * const mask = renderMask(generateNeuron(7)); // { width: 1210, height: 566, rgb }
 */
export function renderMask(neuron: Neuron): RgbImage {
  const { width, height, pixels, colors } = neuron;
  const rgb = new Uint8Array(3 * width * height);
  for (let k = 0; k < pixels.length; k++) {
    const i = 3 * pixels[k];
    rgb[i] = colors[3 * k];
    rgb[i + 1] = colors[3 * k + 1];
    rgb[i + 2] = colors[3 * k + 2];
  }
  return { width, height, rgb };
}

/** How a planted copy is moved; see {@link placeNeuron}. */
export interface Placement {
  dx: number;
  dy: number;
  mirror: boolean;
}

/**
 * Checks that a placement is one a scorer's xyShift can undo: dx, dy even, |dx|,|dy| ≤ 4.
 * (With xyShift 2 only offsets in {−2, 0, 2} are tried; with 4, the 17 offsets that
 * have each of dx, dy in {−i, 0, i} for a single i ∈ {2, 4}, so e.g. (2, 4) is not tried.)
 */
export function checkPlacement(placement: Placement): void {
  for (const key of ["dx", "dy"] as const) {
    const v = placement[key];
    if (!Number.isInteger(v) || v % 2 !== 0 || Math.abs(v) > 4) {
      throw new ParameterError(key, `${key} must be an even integer from −4 to 4, got ${v}`);
    }
  }
}

/**
 * Where mask pixel (x, y) lands in a planted target: shifted, then mirrored, exactly the
 * position the scorer samples for that offset (cdm-reference 1.3). So with mirroring the
 * copy sits at x' = W−1−(x+dx), y' = y+dy. A position off the image is −1 (impossible
 * for a generated neuron, which keeps clear of the border).
 *
 * @example
 * placeNeuron(neuron, { dx: 2, dy: -2, mirror: true }).pixels; // target positions, in mask order
 */
export function placeNeuron(neuron: Neuron, placement: Placement): { pixels: Int32Array; colors: Uint8Array } {
  checkPlacement(placement);
  const { width, height, pixels } = neuron;
  const { dx, dy, mirror } = placement;
  const placed = new Int32Array(pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k];
    let x = (p % width) + dx;
    const y = ((p / width) | 0) + dy;
    if (mirror) x = width - 1 - x;
    placed[k] = x >= 0 && x < width && y >= 0 && y < height ? y * width + x : -1;
  }
  return { pixels: placed, colors: neuron.colors };
}
