/**
 * Reverses the PNG row filters of one (sub-)image in place.
 *
 * `data` holds `rows` rows of `1 + rowBytes` bytes from `start`, each led by its filter
 * type; `bpp` is the filter's byte distance (bytes per complete pixel, at least 1).
 * Returns -1 on success, else the index of the first row with an unknown filter type.
 * Byte arithmetic relies on Uint8Array stores wrapping modulo 256, as the spec requires.
 */
export function unfilterPngRows(data: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number): number {
  const stride = rowBytes + 1;
  for (let y = 0; y < rows; y++) {
    const rowStart = start + y * stride;
    const filter = data[rowStart];
    const cur = rowStart + 1;
    const prev = cur - stride;
    const hasPrev = y > 0;
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++) data[cur + i] += data[cur + i - bpp];
        break;
      case 2:
        if (hasPrev) for (let i = 0; i < rowBytes; i++) data[cur + i] += data[prev + i];
        break;
      case 3:
        if (hasPrev) {
          for (let i = 0; i < bpp && i < rowBytes; i++) data[cur + i] += data[prev + i] >> 1;
          for (let i = bpp; i < rowBytes; i++) data[cur + i] += (data[cur + i - bpp] + data[prev + i]) >> 1;
        } else {
          for (let i = bpp; i < rowBytes; i++) data[cur + i] += data[cur + i - bpp] >> 1;
        }
        break;
      case 4:
        if (hasPrev) {
          for (let i = 0; i < bpp && i < rowBytes; i++) data[cur + i] += data[prev + i];
          for (let i = bpp; i < rowBytes; i++) {
            const a = data[cur + i - bpp];
            const b = data[prev + i];
            const c = data[prev + i - bpp];
            const pa = b > c ? b - c : c - b;
            const pb = a > c ? a - c : c - a;
            const pcSigned = a + b - c - c;
            const pc = pcSigned < 0 ? -pcSigned : pcSigned;
            data[cur + i] += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          }
        } else {
          // With no previous row the Paeth predictor always picks the left byte.
          for (let i = bpp; i < rowBytes; i++) data[cur + i] += data[cur + i - bpp];
        }
        break;
      default:
        return y;
    }
  }
  return -1;
}
