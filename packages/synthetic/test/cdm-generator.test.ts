import { describe, expect, it } from "vitest";
import { rainbowLut, type RgbImage } from "@cds/core/image";
import { generateCdm, labelRegions, NOISE_CEILING } from "../src/index.ts";

function litAbove(image: RgbImage, threshold: number, where: (x: number, y: number) => boolean = () => true): number {
  const { width, height, rgb } = image;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      if ((rgb[i] > threshold || rgb[i + 1] > threshold || rgb[i + 2] > threshold) && where(x, y)) n++;
    }
  }
  return n;
}

describe("generateCdm: its size, its seed and how much it lights", () => {
  it("is a 1210×566 interleaved RGB image by default", () => {
    const image = generateCdm({ seed: 1 });
    expect(image.width).toBe(1210);
    expect(image.height).toBe(566);
    expect(image.rgb).toBeInstanceOf(Uint8Array);
    expect(image.rgb).toHaveLength(3 * 1210 * 566);
  });

  it("gives identical bytes for the same seed and different bytes for another seed", () => {
    const a = generateCdm({ seed: "same" }).rgb;
    const b = generateCdm({ seed: "same" }).rgb;
    const c = generateCdm({ seed: "other" }).rgb;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("lights 5–15 % of pixels (any channel > 20) across many seeds", () => {
    for (let seed = 0; seed < 24; seed++) {
      const image = generateCdm({ seed });
      const fraction = litAbove(image, 20) / (image.width * image.height);
      expect(fraction, `seed ${seed}`).toBeGreaterThanOrEqual(0.05);
      expect(fraction, `seed ${seed}`).toBeLessThanOrEqual(0.15);
    }
  });

  it("lights the requested fraction with neurons; labels and speckles add under 2.5 %", () => {
    const bare = generateCdm({ seed: 3, litFraction: 0.08, labels: false, noise: false });
    expect(litAbove(bare, 20) / (1210 * 566)).toBeCloseTo(0.08, 3);
    const full = generateCdm({ seed: 3, litFraction: 0.08 });
    const extra = (litAbove(full, 20) - litAbove(bare, 20)) / (1210 * 566);
    expect(extra).toBeGreaterThan(0.01);
    expect(extra).toBeLessThan(0.025);
  });

  it("has dim signal that only threshold 20 keeps, and noise that neither keeps", () => {
    const image = generateCdm({ seed: 4 });
    const at20 = litAbove(image, 20);
    const at100 = litAbove(image, 100);
    expect(at100).toBeGreaterThan(0);
    expect(at20 - at100).toBeGreaterThan(0.1 * at20);
    const nonZero = litAbove(image, 0);
    expect(nonZero - at20).toBeGreaterThan(1000); // the faint background noise
    expect(litAbove(image, NOISE_CEILING) - at20).toBe(0); // noise never exceeds 18
  });
});

describe("generateCdm: the label corners and the noise, apart from the neurons", () => {
  it("draws a name label in the top-left and a LUT colour bar in the top-right corner", () => {
    const image = generateCdm({ seed: 5 });
    const { width, rgb } = image;
    const { name, legend } = labelRegions(image.width, image.height);
    const inName = (x: number, y: number) => x < name.x1 && y < name.y1;
    expect(litAbove(image, 100, inName)).toBeGreaterThan(300);

    // Label text is grey (equal channels), like the white text of real CDMs.
    let grey = 0;
    let coloured = 0;
    for (let y = 0; y < name.y1; y++) {
      for (let x = 0; x < name.x1; x++) {
        const i = 3 * (y * width + x);
        if (rgb[i] <= 100) continue;
        if (rgb[i] === rgb[i + 1] && rgb[i + 1] === rgb[i + 2]) grey++;
        else coloured++;
      }
    }
    expect(coloured).toBe(0);
    expect(grey).toBeGreaterThan(300);

    // Legend bar: one LUT entry per column, index 0 at its left end.
    const lut = rainbowLut();
    const barLeft = width - 1 - 256;
    expect(barLeft).toBeGreaterThanOrEqual(legend.x0);
    for (const index of [0, 85, 170, 255]) {
      const i = 3 * (10 * width + barLeft + index);
      expect([rgb[i], rgb[i + 1], rgb[i + 2]]).toEqual([lut[3 * index], lut[3 * index + 1], lut[3 * index + 2]]);
    }
    expect(litAbove(image, 100, (x, y) => x >= legend.x0 && y < legend.y1)).toBeGreaterThan(256 * 30);
  });

  it("keeps neurons out of both label corners", () => {
    for (const seed of [6, 7, 8]) {
      const image = generateCdm({ seed, labels: false });
      const { name, legend } = labelRegions(image.width, image.height);
      const inLabels = (x: number, y: number) => (x < name.x1 && y < name.y1) || (x >= legend.x0 && y < legend.y1);
      expect(litAbove(image, 20, inLabels), `seed ${seed}`).toBe(0);
    }
  });

  it("can leave labels and noise out without changing the neurons", () => {
    const full = generateCdm({ seed: 9 });
    const bare = generateCdm({ seed: 9, labels: false, noise: false });
    expect(litAbove(bare, 0)).toBe(litAbove(bare, 20)); // nothing faint left
    // Noise, speckles and labels only fill pixels no neuron lit.
    let differing = 0;
    for (let p = 0; p < 1210 * 566; p++) {
      const i = 3 * p;
      if (bare.rgb[i] > 20 || bare.rgb[i + 1] > 20 || bare.rgb[i + 2] > 20) {
        if (bare.rgb[i] !== full.rgb[i] || bare.rgb[i + 1] !== full.rgb[i + 1] || bare.rgb[i + 2] !== full.rgb[i + 2]) differing++;
      }
    }
    expect(differing).toBe(0);
  });
});

describe("generateCdm: its LUT and litFraction options", () => {
  it("colours neurons with the LUT it is given", () => {
    // A grey LUT turns every neuron pixel grey: proof the option reaches the strokes.
    const grey = new Uint8Array(768);
    for (let i = 0; i < 256; i++) grey.fill(i, 3 * i, 3 * i + 3);
    const { rgb } = generateCdm({ seed: 10, lut: grey, labels: false, noise: false });
    for (let i = 0; i < rgb.length; i += 3) {
      if (rgb[i] !== rgb[i + 1] || rgb[i + 1] !== rgb[i + 2]) throw new Error(`pixel ${i / 3} is not grey`);
    }
  });

  it("rejects a lit fraction outside 0–1", () => {
    expect(() => generateCdm({ seed: 1, litFraction: 1.5 })).toThrow(/litFraction/);
  });
});
