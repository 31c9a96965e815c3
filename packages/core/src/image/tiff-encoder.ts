import type { RgbImage } from "./rgb-image.ts";

/**
 * Writes an RGB image as a PackBits-compressed TIFF, the format NeuronBridge keeps its search
 * targets in (chunky RGB, 8 rows per strip). Used to make synthetic libraries that look like
 * real ones on disk.
 *
 * @example
 * await writeFile("target.tif", encodePackBitsTiff(image));
 */
export function encodePackBitsTiff(image: RgbImage, options: { rowsPerStrip?: number; bigEndian?: boolean } = {}): Uint8Array {
  const { width, height, rgb } = image;
  const rowsPerStrip = options.rowsPerStrip ?? 8;
  const littleEndian = !options.bigEndian;
  const strips: Uint8Array[] = [];
  for (let y = 0; y < height; y += rowsPerStrip) {
    const rows = Math.min(rowsPerStrip, height - y);
    const parts: Uint8Array[] = [];
    for (let r = 0; r < rows; r++) parts.push(packBitsRow(rgb.subarray(3 * (y + r) * width, 3 * (y + r + 1) * width)));
    strips.push(concat(parts));
  }
  const entries: [number, number, number, number[]][] = [
    // tag, type (3 SHORT, 4 LONG), count, values
    [256, 4, 1, [width]],
    [257, 4, 1, [height]],
    [258, 3, 3, [8, 8, 8]],
    [259, 3, 1, [32773]],
    [262, 3, 1, [2]],
    [273, 4, strips.length, []],
    [277, 3, 1, [3]],
    [278, 4, 1, [rowsPerStrip]],
    [279, 4, strips.length, strips.map((s) => s.length)],
    [284, 3, 1, [1]],
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = ifdOffset + ifdSize;
  const extraAt = new Map<number, number>();
  for (const [tag, type, count] of entries) {
    const bytes = count * (type === 3 ? 2 : 4);
    if (bytes > 4) {
      extraAt.set(tag, extra);
      extra += bytes;
    }
  }
  const stripOffsets: number[] = [];
  let dataAt = extra;
  for (const s of strips) {
    stripOffsets.push(dataAt);
    dataAt += s.length;
  }
  entries[5][3] = stripOffsets;

  const out = new Uint8Array(dataAt);
  const view = new DataView(out.buffer);
  out.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, ifdOffset, littleEndian);
  view.setUint16(ifdOffset, entries.length, littleEndian);
  entries.forEach(([tag, type, count, values], i) => {
    const at = ifdOffset + 2 + 12 * i;
    view.setUint16(at, tag, littleEndian);
    view.setUint16(at + 2, type, littleEndian);
    view.setUint32(at + 4, count, littleEndian);
    const valueAt = extraAt.get(tag) ?? at + 8;
    values.forEach((v, k) => {
      if (type === 3) view.setUint16(valueAt + 2 * k, v, littleEndian);
      else view.setUint32(valueAt + 4 * k, v, littleEndian);
    });
    if (extraAt.has(tag)) view.setUint32(at + 8, valueAt, littleEndian);
  });
  view.setUint32(ifdOffset + 2 + 12 * entries.length, 0, littleEndian);
  strips.forEach((s, i) => out.set(s, stripOffsets[i]));
  return out;
}

/** PackBits one row: runs of 3+ equal bytes as repeats, everything else as literals. */
function packBitsRow(row: Uint8Array): Uint8Array {
  const out = new Uint8Array(row.length + Math.ceil(row.length / 128) + 1);
  let o = 0;
  let i = 0;
  while (i < row.length) {
    let run = 1;
    while (i + run < row.length && run < 128 && row[i + run] === row[i]) run++;
    if (run >= 3) {
      out[o++] = 257 - run;
      out[o++] = row[i];
      i += run;
      continue;
    }
    const start = i;
    while (i < row.length && i - start < 128) {
      if (i + 2 < row.length && row[i] === row[i + 1] && row[i] === row[i + 2]) break;
      i++;
    }
    out[o++] = i - start - 1;
    out.set(row.subarray(start, i), o);
    o += i - start;
  }
  return out.subarray(0, o);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
