import { generateNeuron, plantMatch, type Neuron, type RgbImage } from "@cds/core";
import { seededRandom } from "../../packages/core/test/random-images.ts";

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
