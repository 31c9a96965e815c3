// @cds/core's public surface: the names of @cds/core/image that other packages import, listed by name.
export { decodeImage, decodeImageFile } from "./decode-image.ts";
export type { DecodeOptions } from "./decode-options.ts";
export { readImageHeader } from "./image-header.ts";
export { decodeGray16Png } from "./png-decoder.ts";
export type { Gray16Image } from "./png-decoder.ts";
export { loadLutFile, LUT_SIZE, rainbowLut } from "./rainbow-lut.ts";
export type { Lut } from "./rainbow-lut.ts";
export type { RgbImage } from "./rgb-image.ts";
export { decodeTiffInto } from "./tiff-decoder.ts";
export { encodePackBitsTiff } from "./tiff-encoder.ts";
