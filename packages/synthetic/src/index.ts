/**
 * Deterministic synthetic colour-depth MIPs: masks, library images and planted matches
 * for tests and benchmarks that must not depend on real (licensed, large) image data.
 */
export type { Domain, Rect } from "./layout.ts";
export { CDM_HEIGHT, CDM_WIDTH, inLabelRegion, labelRegions, MAX_PLANT_SHIFT, neuronDomain } from "./layout.ts";
export { LIT_LEVEL, NOISE_CEILING } from "./canvas.ts";
export type { Neuron, NeuronOptions, Placement } from "./neuron.ts";
export { checkPlacement, generateNeuron, placeNeuron, renderMask } from "./neuron.ts";
export type { CdmOptions, PlantOptions } from "./cdm-generator.ts";
export { generateCdm, plantMatch } from "./cdm-generator.ts";
export type { LibraryEntry, LibraryOptions, LibraryPlan, PlantedInfo } from "./library-generator.ts";
export { generateLibrary, libraryEntry, libraryName, planLibrary } from "./library-generator.ts";
export type { SyntheticLibrarySpec } from "./synthetic-spec.ts";
export { maskSeed, syntheticLibrary } from "./synthetic-spec.ts";
