import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodePackBitsTiff, type RgbImage } from "@cds/core/image";
import { generateCdm, generateNeuron, plantMatch, renderMask, type Neuron } from "@cds/synthetic";
import { seededRandom } from "@cds/testing/random-images";

/**
 * A planted match as LM images often show a neuron: the mask's neuron in a normal synthetic
 * CDM, with a fraction of its pixels missing (weak expression), so its pixel score is well
 * below the mask size.
 */
export function partialMatch(neuron: Neuron, seed: string, dropout: number): RgbImage {
  const image = plantMatch(neuron, { seed, dx: 0, dy: 0, mirror: false, litFraction: 0.04 });
  const rand = seededRandom(hash(seed));
  for (const p of neuron.pixels) if (rand() < dropout) image.rgb.fill(0, 3 * p, 3 * p + 3);
  return image;
}

/**
 * A dense decoy: a target full of signal whose colours happen to agree with the mask's on the
 * mask's pixels — every pixel within `reach` of the neuron takes the colour of a nearest neuron
 * pixel (a 4-neighbour flood from the neuron) — so pixel matching scores it as high as the mask
 * itself, while its shape has nothing of the neuron's.
 */
export function denseDecoy(neuron: Neuron, reach: number): RgbImage {
  const { width: W, height: H } = neuron;
  const rgb = new Uint8Array(3 * W * H);
  const distance = new Int32Array(W * H).fill(-1);
  let frontier: number[] = [];
  neuron.pixels.forEach((p, k) => {
    rgb.set(neuron.colors.subarray(3 * k, 3 * k + 3), 3 * p);
    distance[p] = 0;
    frontier.push(p);
  });
  for (let d = 1; d <= reach && frontier.length > 0; d++) {
    const next: number[] = [];
    for (const p of frontier) {
      const x = p % W;
      for (const q of [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, p - W, p + W]) {
        if (q < 0 || q >= W * H || distance[q] >= 0) continue;
        distance[q] = d;
        rgb.copyWithin(3 * q, 3 * p, 3 * p + 3);
        next.push(q);
      }
    }
    frontier = next;
  }
  return { width: W, height: H, rgb };
}

/** The neuron of a seed, as the tests' masks use it. */
export function maskNeuron(seed: string): Neuron {
  return generateNeuron(seed, { pixels: 6000 });
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Names of the targets {@link writeShapeDecoyTargets} writes: planted matches and dense decoys. */
export const PLANTED_TARGETS = ["planted-0", "planted-1", "planted-2"] as const;
export const DENSE_DECOYS = ["dense-40", "dense-60", "dense-80"] as const;

/**
 * Writes the shape-ranking fixture into `<dir>/targets` and its mask to `<dir>/mask.tif`: three
 * targets that carry the mask neuron with a third of its pixels missing, three dense decoys
 * whose colours agree with the mask wherever it has signal but that are full of signal for
 * 40–80 px around it, and ten ordinary synthetic CDMs. Resolves the mask's bytes.
 *
 * @example
 * const mask = await writeShapeDecoyTargets(dir, "shape-rank-test");
 */
export async function writeShapeDecoyTargets(dir: string, seed: string): Promise<Uint8Array> {
  const neuron = maskNeuron(seed);
  await mkdir(join(dir, "targets"), { recursive: true });
  const write = (name: string, image: RgbImage) => writeFile(join(dir, "targets", `${name}.tif`), encodePackBitsTiff(image));
  for (const [i, name] of PLANTED_TARGETS.entries()) await write(name, partialMatch(neuron, `planted-${i}`, 0.35));
  for (const name of DENSE_DECOYS) await write(name, denseDecoy(neuron, Number(name.slice(6))));
  for (let i = 0; i < 10; i++) await write(`other-${i}`, generateCdm({ seed: `other-${i}` }));
  const mask = encodePackBitsTiff(renderMask(neuron));
  await writeFile(join(dir, "mask.tif"), mask);
  return mask;
}
