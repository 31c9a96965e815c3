/**
 * Pixel-level drawing for synthetic CDMs: a max-intensity projection, like the microscope
 * pipeline that makes real CDMs, where the brighter of two overlapping things wins whole
 * (its colour, i.e. its depth, not a blend).
 */
import type { Lut, RgbImage } from "@cds/core/image";

/**
 * The level a channel must exceed for a pixel to count as lit, at the lowest threshold in
 * use (precompute: 20). Generated signal is always above it and background noise always
 * at or below it, so noise can never hide or fake signal at that threshold.
 */
export const LIT_LEVEL = 20;

/** Highest value background noise may take on any channel. */
export const NOISE_CEILING = LIT_LEVEL - 2;

/** An image being drawn, with a running count of lit pixels (any channel > LIT_LEVEL). */
export interface Canvas extends RgbImage {
  lit: number;
}

export function createCanvas(width: number, height: number): Canvas {
  return { width, height, rgb: new Uint8Array(3 * width * height), lit: 0 };
}

/** Max projection at pixel index p (y·W + x); signal at or below LIT_LEVEL is dropped. */
export function plotMax(canvas: Canvas, p: number, r: number, g: number, b: number): void {
  const m = r > g ? (r > b ? r : b) : g > b ? g : b;
  if (m <= LIT_LEVEL) return;
  const rgb = canvas.rgb;
  const i = 3 * p;
  const r0 = rgb[i];
  const g0 = rgb[i + 1];
  const b0 = rgb[i + 2];
  const m0 = r0 > g0 ? (r0 > b0 ? r0 : b0) : g0 > b0 ? g0 : b0;
  // On a tie the first-drawn pixel stays; any fixed rule will do, as drawing order is fixed.
  if (m <= m0) return;
  if (m0 <= LIT_LEVEL) canvas.lit++;
  rgb[i] = r;
  rgb[i + 1] = g;
  rgb[i + 2] = b;
}

/**
 * A stamp shape: its core pixels and the 4-connected ring around them, as (dx, dy) pairs
 * and, for the canvas width last used, as index deltas dy·W + dx, so that the hot loop
 * is one add per pixel.
 */
interface Footprint {
  readonly core: Int8Array;
  readonly halo: Int8Array;
  readonly reach: number;
  width: number;
  coreDelta: Int32Array;
  haloDelta: Int32Array;
}

function footprint(inCore: (dx: number, dy: number) => boolean, coreReach: number): Footprint {
  const core: number[] = [];
  const halo: number[] = [];
  for (let dy = -coreReach - 1; dy <= coreReach + 1; dy++) {
    for (let dx = -coreReach - 1; dx <= coreReach + 1; dx++) {
      if (inCore(dx, dy)) core.push(dx, dy);
      else if (inCore(dx - 1, dy) || inCore(dx + 1, dy) || inCore(dx, dy - 1) || inCore(dx, dy + 1)) {
        halo.push(dx, dy);
      }
    }
  }
  return {
    core: Int8Array.from(core), halo: Int8Array.from(halo), reach: coreReach + 1,
    width: 0, coreDelta: new Int32Array(0), haloDelta: new Int32Array(0),
  };
}

function deltas(offsets: Int8Array, width: number): Int32Array {
  const d = new Int32Array(offsets.length / 2);
  for (let k = 0; k < d.length; k++) d[k] = offsets[2 * k + 1] * width + offsets[2 * k];
  return d;
}

// Stroke widths 1, 2 and 3 px (index = width); width 2 is off-centre by nature.
const STROKE_FOOTPRINTS: readonly Footprint[] = [
  footprint(() => false, 0),
  footprint((dx, dy) => dx === 0 && dy === 0, 0),
  footprint((dx, dy) => (dx === 0 || dx === 1) && (dy === 0 || dy === 1), 1),
  footprint((dx, dy) => dx * dx + dy * dy <= 2, 1),
];

/** Largest soma radius; with its 1-px halo this is layout's MAX_STAMP_REACH. */
export const MAX_SOMA_RADIUS = 6;

const DISC_FOOTPRINTS: readonly Footprint[] = Array.from({ length: MAX_SOMA_RADIUS + 1 }, (_, radius) => {
  const r2 = radius * radius + radius; // rounder than r² for small radii
  return footprint((dx, dy) => dx * dx + dy * dy <= r2, radius);
});

/** How one stamp looks: LUT depth, brightness 0–1, and the dim halo's relative level. */
export interface StampStyle {
  z: number;
  brightness: number;
  halo: number;
}

function drawFootprint(canvas: Canvas, fp: Footprint, x: number, y: number, lut: Lut, style: StampStyle): void {
  const zi = 3 * Math.max(0, Math.min(255, Math.round(style.z)));
  const cr = lut[zi] * style.brightness;
  const cg = lut[zi + 1] * style.brightness;
  const cb = lut[zi + 2] * style.brightness;
  const h = style.halo;
  const { width, height } = canvas;
  // Halo first: the core then overwrites it wherever they meet within this stamp.
  if (x >= fp.reach && y >= fp.reach && x < width - fp.reach && y < height - fp.reach) {
    if (fp.width !== width) {
      fp.coreDelta = deltas(fp.core, width);
      fp.haloDelta = deltas(fp.halo, width);
      fp.width = width;
    }
    const p = y * width + x;
    paintFast(canvas, fp.haloDelta, p, Math.round(cr * h), Math.round(cg * h), Math.round(cb * h));
    paintFast(canvas, fp.coreDelta, p, Math.round(cr), Math.round(cg), Math.round(cb));
  } else {
    paintClipped(canvas, fp.halo, x, y, Math.round(cr * h), Math.round(cg * h), Math.round(cb * h));
    paintClipped(canvas, fp.core, x, y, Math.round(cr), Math.round(cg), Math.round(cb));
  }
}

/** plotMax over a footprint known to lie inside the image (the hot path). */
function paintFast(canvas: Canvas, delta: Int32Array, p: number, r: number, g: number, b: number): void {
  const m = r > g ? (r > b ? r : b) : g > b ? g : b;
  if (m <= LIT_LEVEL) return;
  const rgb = canvas.rgb;
  let lit = 0;
  for (let k = 0; k < delta.length; k++) {
    const i = 3 * (p + delta[k]);
    const r0 = rgb[i];
    const g0 = rgb[i + 1];
    const b0 = rgb[i + 2];
    const m0 = r0 > g0 ? (r0 > b0 ? r0 : b0) : g0 > b0 ? g0 : b0;
    if (m <= m0) continue;
    if (m0 <= LIT_LEVEL) lit++;
    rgb[i] = r;
    rgb[i + 1] = g;
    rgb[i + 2] = b;
  }
  canvas.lit += lit;
}

function paintClipped(canvas: Canvas, offsets: Int8Array, x: number, y: number, r: number, g: number, b: number): void {
  const { width, height } = canvas;
  for (let k = 0; k < offsets.length; k += 2) {
    const px = x + offsets[k];
    const py = y + offsets[k + 1];
    if (px >= 0 && py >= 0 && px < width && py < height) plotMax(canvas, py * width + px, r, g, b);
  }
}

/** Draws one step of a neurite, `thickness` 1–3 px wide, centred on pixel (x, y). */
export function stampStroke(canvas: Canvas, x: number, y: number, thickness: number, lut: Lut, style: StampStyle): void {
  drawFootprint(canvas, STROKE_FOOTPRINTS[Math.max(1, Math.min(3, thickness))], x, y, lut, style);
}

/** Draws a cell body: a filled disc of the given radius (≤ 6) centred on pixel (x, y). */
export function stampSoma(canvas: Canvas, x: number, y: number, radius: number, lut: Lut, style: StampStyle): void {
  drawFootprint(canvas, DISC_FOOTPRINTS[Math.max(1, Math.min(MAX_SOMA_RADIUS, Math.round(radius)))], x, y, lut, style);
}
