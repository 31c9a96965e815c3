import type { ScoredTarget } from "../search/ranking.ts";

/**
 * A batch's matches as bytes: sorted by library index, each match two unsigned LEB128 varints —
 * the index's distance from the previous match's, and `matchingPixels × 2 + mirrored`. About 4
 * bytes a match, so a batch of 100 matching targets stays under one DynamoDB write unit. The
 * ratio is not stored: it is `matchingPixels / maskSize`, the scorer's own division, so decoding
 * gives back the very same double.
 */
export function encodeMatches(matches: readonly ScoredTarget[]): Uint8Array {
  const sorted = [...matches].sort((a, b) => a.index - b.index);
  const out: number[] = [];
  let previous = 0;
  for (const m of sorted) {
    pushVarint(out, m.index - previous);
    pushVarint(out, m.matchingPixels * 2 + (m.mirrored ? 1 : 0));
    previous = m.index;
  }
  return Uint8Array.from(out);
}

/**
 * Reads back what {@link encodeMatches} wrote, with the batch's mask size.
 *
 * @example
 * decodeMatches(encodeMatches(matches), maskSize) // the same matches, in index order
 */
export function decodeMatches(bytes: Uint8Array, maskSize: number): ScoredTarget[] {
  const matches: ScoredTarget[] = [];
  let at = 0;
  let index = 0;
  const next = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new RangeError("a stored batch result ends inside a number");
      const byte = bytes[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  while (at < bytes.length) {
    index += next();
    const packed = next();
    const matchingPixels = Math.floor(packed / 2);
    matches.push({ index, matchingPixels, matchingRatio: maskSize > 0 ? matchingPixels / maskSize : 0, mirrored: packed % 2 === 1, maskSize });
  }
  return matches;
}

function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot store ${value} in a batch result`);
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}
