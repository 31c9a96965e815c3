/**
 * A TIFF strip decompressor: decodes `src[srcPos, srcEnd)` into `dst[dstPos, dstEnd)` and
 * returns the position in `dst` it reached (below `dstEnd` when the input ended first). Output
 * past `dstEnd` is discarded, as libtiff does.
 */
export type StripDecoder = (src: Uint8Array, srcPos: number, srcEnd: number, dst: Uint8Array, dstPos: number, dstEnd: number) => number;
