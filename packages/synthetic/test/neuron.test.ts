import { describe, expect, it } from "vitest";
import type { RgbImage } from "@cds/core/image";
import type { Neuron } from "../src/index.ts";
import { generateNeuron, inLabelRegion, placeNeuron, plantMatch, renderMask } from "../src/index.ts";

const W = 1210;
const H = 566;

function colourAt(image: RgbImage, p: number): [number, number, number] {
  return [image.rgb[3 * p], image.rgb[3 * p + 1], image.rgb[3 * p + 2]];
}

function neuronColour(neuron: Neuron, k: number): [number, number, number] {
  return [neuron.colors[3 * k], neuron.colors[3 * k + 1], neuron.colors[3 * k + 2]];
}

describe("generateNeuron and renderMask", () => {
  const neurons = Array.from({ length: 8 }, (_, i) => generateNeuron(`neuron-${i}`));

  it("is deterministic in its seed", () => {
    const again = generateNeuron("neuron-0");
    expect(again.pixels).toEqual(neurons[0].pixels);
    expect(again.colors).toEqual(neurons[0].colors);
    expect(generateNeuron("neuron-x").pixels).not.toEqual(neurons[0].pixels);
  });

  it("lists lit pixels in ascending order, of a plausible neuron size", () => {
    for (const neuron of neurons) {
      expect(neuron.pixels.length).toBeGreaterThan(1000);
      expect(neuron.pixels.length).toBeLessThanOrEqual(16_000);
      expect(neuron.colors).toHaveLength(3 * neuron.pixels.length);
      for (let k = 0; k < neuron.pixels.length; k++) {
        if (k > 0 && neuron.pixels[k] <= neuron.pixels[k - 1]) throw new Error(`pixels not ascending at ${k}`);
        if (Math.max(...neuronColour(neuron, k)) <= 20) throw new Error(`pixel ${k} is not lit`);
      }
    }
  });

  it("roughly honours a requested size", () => {
    const n = generateNeuron("sized", { pixels: 6000 }).pixels.length;
    expect(n).toBeGreaterThanOrEqual(0.7 * 6000);
    expect(n).toBeLessThanOrEqual(6000 + 100); // the last stamp may overshoot a little
  });

  it("keeps every pixel out of the label corners, even shifted by ±4 px and mirrored", () => {
    for (const neuron of neurons) {
      for (const p of neuron.pixels) {
        const x = p % W;
        const y = Math.floor(p / W);
        for (const [dx, dy] of [[0, 0], [-4, -4], [4, -4], [-4, 4], [4, 4]]) {
          for (const mx of [x + dx, W - 1 - (x + dx)]) {
            if (mx < 0 || mx >= W || y + dy < 0 || y + dy >= H || inLabelRegion(mx, y + dy, W, H)) {
              throw new Error(`pixel (${x}, ${y}) lands at (${mx}, ${y + dy})`);
            }
          }
        }
      }
    }
  });

  it("renders a mask with the neuron's colours on black, and nothing else", () => {
    const neuron = neurons[1];
    const mask = renderMask(neuron);
    expect([mask.width, mask.height]).toEqual([W, H]);
    let nonBlack = 0;
    for (let p = 0; p < W * H; p++) if (mask.rgb[3 * p] || mask.rgb[3 * p + 1] || mask.rgb[3 * p + 2]) nonBlack++;
    expect(nonBlack).toBe(neuron.pixels.length);
    neuron.pixels.forEach((p, k) => expect(colourAt(mask, p)).toEqual(neuronColour(neuron, k)));
  });

  it("has pixels that only threshold 20 keeps (dim halo) as well as bright ones", () => {
    const neuron = neurons[2];
    let bright = 0;
    for (let k = 0; k < neuron.pixels.length; k++) if (Math.max(...neuronColour(neuron, k)) > 100) bright++;
    expect(bright).toBeGreaterThan(0.3 * neuron.pixels.length);
    expect(bright).toBeLessThan(0.9 * neuron.pixels.length);
  });
});

describe("plantMatch", () => {
  const neuron = generateNeuron("planted-mask");

  const placements = [
    { dx: 0, dy: 0, mirror: false },
    { dx: 2, dy: -2, mirror: false },
    { dx: -4, dy: 4, mirror: false },
    { dx: 0, dy: 0, mirror: true },
    { dx: 2, dy: 2, mirror: true },
    { dx: -2, dy: 0, mirror: true },
  ];

  for (const placement of placements) {
    it(`carries the neuron moved by (${placement.dx}, ${placement.dy})${placement.mirror ? ", mirrored," : ""} with exact colours`, () => {
      const target = plantMatch(neuron, { seed: `target-${JSON.stringify(placement)}`, ...placement });
      for (let k = 0; k < neuron.pixels.length; k++) {
        const p = neuron.pixels[k];
        const x = (p % W) + placement.dx;
        const y = Math.floor(p / W) + placement.dy;
        const q = y * W + (placement.mirror ? W - 1 - x : x);
        const got = colourAt(target, q);
        const want = neuronColour(neuron, k);
        if (got.some((v, c) => v !== want[c])) throw new Error(`mask pixel ${k} at ${q}: ${got} ≠ ${want}`);
      }
    });
  }

  it("matches placeNeuron, the position a scorer samples for that offset (shift, then mirror)", () => {
    const placed = placeNeuron(neuron, { dx: 4, dy: -2, mirror: true });
    const p = neuron.pixels[0];
    expect(placed.pixels[0]).toBe((Math.floor(p / W) - 2) * W + (W - 1 - ((p % W) + 4)));
  });

  it("adds decoys, labels and noise around the copy, not just the copy", () => {
    const target = plantMatch(neuron, { seed: "busy", dx: 0, dy: 0, mirror: false });
    let lit = 0;
    for (let p = 0; p < W * H; p++) if (Math.max(...colourAt(target, p)) > 20) lit++;
    expect(lit / (W * H)).toBeGreaterThanOrEqual(0.05);
    expect(lit / (W * H)).toBeLessThanOrEqual(0.15);
    expect(lit).toBeGreaterThan(neuron.pixels.length * 2);
    const inName = Array.from({ length: 100 * 330 }, (_, i) => colourAt(target, Math.floor(i / 330) * W + (i % 330)));
    expect(inName.filter((c) => c[0] > 200).length).toBeGreaterThan(100);
  });

  it("is deterministic in its seed", () => {
    const a = plantMatch(neuron, { seed: 5, dx: 2, dy: 0, mirror: true });
    const b = plantMatch(neuron, { seed: 5, dx: 2, dy: 0, mirror: true });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
  });

  it("rejects offsets a scorer's xyShift could not undo", () => {
    expect(() => plantMatch(neuron, { seed: 1, dx: 1, dy: 0, mirror: false })).toThrow(/dx must be an even integer/);
    expect(() => plantMatch(neuron, { seed: 1, dx: 0, dy: 6, mirror: false })).toThrow(/dy must be an even integer/);
  });
});
