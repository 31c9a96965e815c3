/**
 * The colour-depth LUT that turns a z-slice into a CDM colour.
 *
 * The real table ("PsychedelicRainBow2", 256 rows) is BSD-licensed Janelia data that this
 * project keeps outside its tree, so the generator rebuilds it from a few knots per channel
 * instead. The knots were read off the real table; between them each channel is linear in
 * the index. The result stays within 3 of the real value on every channel and keeps every
 * entry in the same hue sector (the pixel-match score's colour classes), which is what
 * matters for synthetic data to exercise the same scoring paths.
 */
import { readFile } from "node:fs/promises";
import { CdsError } from "../errors.ts";

/** A LUT as 256 interleaved RGB triplets: `lut[3*i]`, `lut[3*i+1]`, `lut[3*i+2]`. */
export type Lut = Uint8Array;

/** Number of entries (z-slices) in a colour-depth LUT. */
export const LUT_SIZE = 256;

type Knots = readonly (readonly [index: number, value: number])[];

// Each hue sector of the real table is a straight ramp of one channel while another is
// pinned at 255; the extra knots mark where the slope changes (R in 0–85, B in 170–255)
// and the sector boundaries, where the real table steps off 255 by one or two.
const RED_KNOTS: Knots = [[0, 127], [29, 90], [77, 18], [85, 0], [170, 254], [171, 255], [255, 255]];
const GREEN_KNOTS: Knots = [[0, 0], [85, 254], [86, 255], [170, 255], [255, 0]];
const BLUE_KNOTS: Knots = [[0, 255], [85, 255], [170, 0], [228, 173], [255, 200]];

function interpolate(knots: Knots, index: number): number {
  for (let k = 1; k < knots.length; k++) {
    const [i1, v1] = knots[k];
    if (index <= i1) {
      const [i0, v0] = knots[k - 1];
      return Math.round(v0 + ((v1 - v0) * (index - i0)) / (i1 - i0));
    }
  }
  return knots[knots.length - 1][1];
}

let cached: Lut | undefined;

/**
 * The procedural PsychedelicRainBow2 LUT: index 0 = (127,0,255) violet, 85 ≈ cyan,
 * 170 ≈ yellow, 255 = (255,0,200) magenta. Returns a fresh copy each call, so callers may
 * modify it.
 *
 * @example
 * const lut = rainbowLut();
 * const [r, g, b] = lut.subarray(3 * 85, 3 * 86); // (0, 254, 255)
 */
export function rainbowLut(): Lut {
  if (cached === undefined) {
    cached = new Uint8Array(3 * LUT_SIZE);
    for (let i = 0; i < LUT_SIZE; i++) {
      cached[3 * i] = interpolate(RED_KNOTS, i);
      cached[3 * i + 1] = interpolate(GREEN_KNOTS, i);
      cached[3 * i + 2] = interpolate(BLUE_KNOTS, i);
    }
  }
  return cached.slice();
}

/**
 * Parses the ImageJ text LUT format: 256 lines of three integers 0–255 separated by
 * tabs or spaces, LF or CRLF line ends; blank lines are ignored.
 *
 * @example
 * parseLut("127\t0\t255\r\n125\t3\t255\r\n…");
 */
export function parseLut(text: string): Lut {
  const rows = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  if (rows.length !== LUT_SIZE) {
    throw new CdsError(`a colour-depth LUT has ${LUT_SIZE} rows, this one has ${rows.length}`);
  }
  const lut = new Uint8Array(3 * LUT_SIZE);
  rows.forEach((row, i) => {
    const fields = row.split(/\s+/);
    const values = fields.map(Number);
    if (values.length !== 3 || values.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
      throw new CdsError(`LUT row ${i + 1} should be three integers 0–255, found "${row}"`);
    }
    lut.set(values, 3 * i);
  });
  return lut;
}

/**
 * Reads a LUT file such as `PsychedelicRainBow2.lut`, for callers that have the real table
 * and want synthetic images coloured exactly like real ones.
 *
 * @example
 * const lut = await loadLutFile("../shared/data/cdm/lut/PsychedelicRainBow2.lut");
 * generateCdm({ seed: 1, lut });
 */
export async function loadLutFile(path: string): Promise<Lut> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new CdsError(`cannot read the LUT file ${path}`, { cause });
  }
  try {
    return parseLut(text);
  } catch (cause) {
    throw new CdsError(`${path} is not a colour-depth LUT: ${(cause as Error).message}`, { cause });
  }
}
