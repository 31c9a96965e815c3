import { deriveSeed, type Seed } from "@cds/core";
import { planLibrary, type LibraryPlan } from "./library-generator.ts";
import { generateNeuron, type Neuron } from "./neuron.ts";

/**
 * A synthetic library described by plain data, so that worker threads (or another process)
 * can each regenerate their part of it: same spec, same images.
 */
export interface SyntheticLibrarySpec {
  seed: Seed;
  count: number;
  /** Masks whose neurons are planted; mask i is generateNeuron(maskSeed(seed, i)). */
  masks: number;
  plantedPerMask: number;
}

/** The seed of synthetic mask `i` of a library seed. */
export function maskSeed(seed: Seed, i: number): string {
  return deriveSeed(seed, "mask", i);
}

/**
 * Regenerates the masks' neurons and the library plan of a spec.
 *
 * @example
 * const { plan, neurons } = syntheticLibrary({ seed: "demo", count: 2000, masks: 3, plantedPerMask: 2 });
 */
export function syntheticLibrary(spec: SyntheticLibrarySpec): { plan: LibraryPlan; neurons: Neuron[] } {
  const neurons = Array.from({ length: spec.masks }, (_, i) => generateNeuron(maskSeed(spec.seed, i)));
  return { plan: planLibrary({ seed: spec.seed, count: spec.count, masks: neurons, plantedPerMask: spec.plantedPerMask }), neurons };
}
