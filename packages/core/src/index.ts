// @cds/core's public surface: the names of @cds/core that other packages import, listed by name.
export { CdsError, ImageDecodeError, ImageSizeMismatchError, ParameterError, UserInputError } from "./errors.ts";
export type { ImageDecodeProblem } from "./errors.ts";
export { createPrng, deriveSeed } from "./prng.ts";
export type { Prng, Seed } from "./prng.ts";
