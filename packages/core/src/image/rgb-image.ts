/**
 * A decoded image as every scorer sees it: 8-bit RGB, interleaved, row-major,
 * `rgb.length === 3 * width * height`. Alpha, if the file had any, is dropped.
 */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}
