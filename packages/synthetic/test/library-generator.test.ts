import { describe, expect, it } from "vitest";
import type { LibraryEntry } from "../src/index.ts";
import { generateLibrary, generateNeuron, libraryEntry, libraryName, planLibrary } from "../src/index.ts";

const W = 1210;
const masks = [generateNeuron("lib-mask-0", { pixels: 3000 }), generateNeuron("lib-mask-1", { pixels: 3000 })];

function digest(entry: LibraryEntry): string {
  // A cheap content fingerprint; full byte equality is checked where it matters.
  let h = 0;
  for (let i = 0; i < entry.image.rgb.length; i += 97) h = (Math.imul(h, 31) + entry.image.rgb[i]) | 0;
  return `${entry.name}:${h}:${JSON.stringify(entry.planted ?? null)}`;
}

describe("generateLibrary", () => {
  const options = { seed: "lib", count: 40, masks, plantedPerMask: 3 };
  const whole = [...generateLibrary(options)];

  it("streams count entries in index order, the same ones every time", () => {
    const again = [...generateLibrary(options)];
    expect(whole.map((e) => e.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(again.map(digest)).toEqual(whole.map(digest));
    expect(Buffer.from(again[7].image.rgb).equals(Buffer.from(whole[7].image.rgb))).toBe(true);
  });

  it("plants each mask plantedPerMask times, with offsets a 2-px xyShift recovers", () => {
    const planted = whole.filter((e) => e.planted !== undefined);
    expect(planted).toHaveLength(6);
    for (const m of [0, 1]) expect(planted.filter((e) => e.planted!.maskIndex === m)).toHaveLength(3);
    for (const { planted: p } of planted) {
      expect([-2, 0, 2]).toContain(p!.dx);
      expect([-2, 0, 2]).toContain(p!.dy);
    }
  });

  it("puts the planted copy where its planted info says", () => {
    for (const entry of whole) {
      if (entry.planted === undefined) continue;
      const { maskIndex, dx, dy, mirrored } = entry.planted;
      const neuron = masks[maskIndex];
      neuron.pixels.forEach((p, k) => {
        const x = (p % W) + dx;
        const q = (Math.floor(p / W) + dy) * W + (mirrored ? W - 1 - x : x);
        for (let c = 0; c < 3; c++) {
          if (entry.image.rgb[3 * q + c] !== neuron.colors[3 * k + c]) throw new Error(`${entry.name}: pixel ${k} differs`);
        }
      });
    }
  });

  it("yields a slice identical to the same entries of the whole library", () => {
    const slice = [...generateLibrary({ ...options, start: 10, end: 25 })].map(digest);
    expect(slice).toEqual(whole.slice(10, 25).map(digest));
    const plan = planLibrary(options);
    expect(digest(libraryEntry(plan, 33))).toBe(digest(whole[33]));
  });

  it("gives unique NeuronBridge-style names with hyphen-separated fields", () => {
    const names = [...generateLibrary({ seed: "names", count: 30 })].map((e) => e.name);
    expect(new Set(names).size).toBe(30);
    for (const name of names) {
      expect(name).toMatch(/^SYN_\d{5}-\d{8}_\d{2}_[A-J]\d-[fm]-40x-Brain-JRC2018_Unisex_20x_HR-CDM_[1-4]$/);
    }
    expect(names[12]).toBe(libraryName("names", 12));
    expect(names[12].startsWith("SYN_00012-")).toBe(true);
  });

  it("uses the xyShift 4 offsets, and no mirroring when mirrorFraction is 0", () => {
    const plan = planLibrary({ seed: "wide", count: 2000, masks, plantedPerMask: 400, xyShift: 4, mirrorFraction: 0 });
    const offsets = new Set(plan.plantedIndices.map((i) => {
      const p = plan.planted(i)!;
      expect(p.mirrored).toBe(false);
      return `${p.dx},${p.dy}`;
    }));
    // The 17 offsets a scorer with xyShift 4 tries: no mixed rings like (2, 4).
    expect(offsets.size).toBe(17);
    expect(offsets.has("2,4")).toBe(false);
    expect(offsets.has("4,-4")).toBe(true);
  });

  it("plans a 50,000-entry library without making its images", () => {
    const plan = planLibrary({ seed: "big", count: 50_000, masks, plantedPerMask: 10 });
    expect(plan.plantedIndices).toHaveLength(20);
    expect(new Set(plan.plantedIndices).size).toBe(20);
    expect(plan.plantedIndices.every((i) => i >= 0 && i < 50_000)).toBe(true);
  });

  it("rejects more planted targets than entries, and a bad xyShift", () => {
    expect(() => planLibrary({ seed: 1, count: 5, masks, plantedPerMask: 3 })).toThrow(/at least 6 entries/);
    expect(() => planLibrary({ seed: 1, count: 5, xyShift: 3 as 2 })).toThrow(/xyShift must be 0, 2 or 4/);
  });
});
