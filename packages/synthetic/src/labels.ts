/**
 * The two annotations every real CDM carries: the line name as white text in the top-left
 * corner, and a colour-scale legend (a LUT gradient bar with captions) in the top-right.
 * Scorers must exclude both; drawing them makes a scorer that forgets to do so visibly
 * wrong on synthetic data too.
 *
 * The "text" is made of glyph-like blocks (segments of a 7-segment digit), not real
 * letters: it only has to look and threshold like text: grey, bright, thin and dense.
 */
import type { Canvas } from "./canvas.ts";
import { plotMax } from "./canvas.ts";
import type { Rect } from "./layout.ts";
import { labelRegions } from "./layout.ts";
import type { Prng } from "@cds/core";
import { type Lut, LUT_SIZE } from "@cds/core/image";

/** Draws the name label and the legend, each only if its corner is big enough. */
export function drawLabels(canvas: Canvas, rng: Prng, lut: Lut): void {
  const { name, legend } = labelRegions(canvas.width, canvas.height);
  drawNameLabel(canvas, rng, name);
  drawLegend(canvas, rng, lut, legend);
}

function drawNameLabel(canvas: Canvas, rng: Prng, region: Rect): void {
  // Line name, then a shorter channel/objective line, then an optional short tag,
  // with the heights of the real label's fonts.
  let y = region.y0 + 6;
  const lines = [
    { glyphs: rng.int(18, 30), height: 15 },
    { glyphs: rng.int(6, 12), height: 15 },
    ...(rng.chance(0.5) ? [{ glyphs: rng.int(2, 4), height: 18 }] : []),
  ];
  for (const line of lines) {
    if (y + line.height >= region.y1) break;
    drawTextLine(canvas, rng, region.x0 + 10, y, region, line.glyphs, line.height);
    y += line.height + 8;
  }
}

function drawLegend(canvas: Canvas, rng: Prng, lut: Lut, region: Rect): void {
  const barX0 = canvas.width - 1 - LUT_SIZE;
  const barH = 32;
  if (barX0 < region.x0 || region.y1 < 80) return;
  for (let i = 0; i < LUT_SIZE; i++) {
    const x = barX0 + i;
    for (let y = 1; y <= barH; y++) plotMax(canvas, y * canvas.width + x, lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]);
  }
  // "001", "Slices", "<n>" under the bar, and "Max: nnnn /4095" below them.
  const captionY = barH + 4;
  drawTextLine(canvas, rng, barX0 + 8, captionY, region, 3, 9);
  drawTextLine(canvas, rng, barX0 + 110, captionY, region, 6, 9);
  drawTextLine(canvas, rng, barX0 + 220, captionY, region, 3, 9);
  drawTextLine(canvas, rng, barX0 + 78, captionY + 20, region, 15, 15);
}

function drawTextLine(canvas: Canvas, rng: Prng, x0: number, y0: number, clip: Rect, glyphs: number,
  height: number): void {
  const glyphW = Math.round(height * 0.55);
  const advance = glyphW + Math.max(2, Math.round(height / 6));
  let x = x0;
  for (let g = 0; g < glyphs; g++) {
    if (x + glyphW >= clip.x1) return;
    if (g > 0 && rng.chance(0.1)) {
      x += advance; // a word gap
      continue;
    }
    drawGlyph(canvas, rng, x, y0, glyphW, height, clip);
    x += advance;
  }
}

// Segments of a 7-segment cell as [x0, y0, x1, y1] in units of the cell (0..1).
const SEGMENTS: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 1, 0], [0, 0.5, 1, 0.5], [0, 1, 1, 1],
  [0, 0, 0, 0.5], [0, 0.5, 0, 1], [1, 0, 1, 0.5], [1, 0.5, 1, 1],
];

function drawGlyph(canvas: Canvas, rng: Prng, x0: number, y0: number, w: number, h: number, clip: Rect): void {
  const level = rng.int(215, 255);
  const stroke = h >= 15 ? 2 : 1;
  let mask = rng.int(1, 127);
  if ((mask & (mask - 1)) === 0) mask |= 1 << rng.int(0, 6); // at least two segments, mostly
  for (let s = 0; s < SEGMENTS.length; s++) {
    if ((mask & (1 << s)) === 0) continue;
    const [a, b, c, d] = SEGMENTS[s];
    const sx0 = x0 + Math.round(a * (w - stroke));
    const sy0 = y0 + Math.round(b * (h - stroke));
    const sx1 = x0 + Math.round(c * (w - stroke)) + stroke - 1;
    const sy1 = y0 + Math.round(d * (h - stroke)) + stroke - 1;
    for (let y = sy0; y <= sy1; y++) {
      for (let x = sx0; x <= sx1; x++) grey(canvas, x, y, level, clip);
    }
    // A dimmer edge next to the stroke, like anti-aliased font rendering.
    const edge = Math.round(level * rng.range(0.15, 0.5));
    if (sy0 === sy1 || stroke > 1 && b === d) {
      for (let x = sx0; x <= sx1; x++) grey(canvas, x, sy1 + 1, edge, clip);
    } else {
      for (let y = sy0; y <= sy1; y++) grey(canvas, sx1 + 1, y, edge, clip);
    }
  }
}

function grey(canvas: Canvas, x: number, y: number, level: number, clip: Rect): void {
  if (x < clip.x0 || y < clip.y0 || x >= clip.x1 || y >= clip.y1) return;
  plotMax(canvas, y * canvas.width + x, level, level, level);
}
