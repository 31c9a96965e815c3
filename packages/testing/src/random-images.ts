import { createPrng } from "@cds/core";
import type { RgbImage } from "@cds/core/image";

/** Uniform floats in [0, 1) from the project's seeded PRNG, so a failing case replays from its seed. */
export function seededRandom(seed: number): () => number {
  const rng = createPrng(seed);
  return () => rng.float();
}

/**
 * A colour drawn to hit every branch of the scorer: uniform RGB, channel ties (grey, two equal
 * maxima), zero channels, bright depth-like colours near each sector boundary, and black.
 */
export function randomColor(rand: () => number): [number, number, number] {
  const byte = () => Math.floor(rand() * 256);
  const kind = Math.floor(rand() * 7);
  switch (kind) {
    case 0:
      return [0, 0, 0];
    case 1:
      return [byte(), byte(), byte()];
    case 2: {
      const v = byte();
      return [v, v, v];
    }
    case 3: {
      const v = byte();
      const w = Math.floor(rand() * (v + 1));
      const c: [number, number, number] = [v, v, w];
      return shuffle(c, rand);
    }
    case 4: {
      const v = 100 + Math.floor(rand() * 156);
      return shuffle([v, 0, Math.floor(rand() * v)], rand);
    }
    default: {
      // Near a sector boundary: second/largest close to 90.5/255, 129/255 or 254/255.
      const largest = 120 + Math.floor(rand() * 136);
      const boundary = [0.3549, 0.5059, 0.9961, 0.44, 0.54, 0.7, 0.8][Math.floor(rand() * 7)];
      const second = Math.min(largest - 1, Math.max(0, Math.round(largest * (boundary + (rand() - 0.5) * 0.04))));
      const third = Math.floor(rand() * (second + 1));
      return shuffle([largest, second, third], rand);
    }
  }
}

function shuffle(c: [number, number, number], rand: () => number): [number, number, number] {
  for (let i = 2; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [c[i], c[j]] = [c[j], c[i]];
  }
  return c;
}

/** A random image where a fraction `lit` of pixels get a random colour; the rest are black. */
export function randomImage(width: number, height: number, lit: number, rand: () => number): RgbImage {
  const rgb = new Uint8Array(3 * width * height);
  for (let p = 0; p < width * height; p++) {
    if (rand() >= lit) continue;
    rgb.set(randomColor(rand), 3 * p);
  }
  return { width, height, rgb };
}

/** A copy of `image` with each lit pixel's colour nudged, so masks and targets partly agree. */
export function perturbed(image: RgbImage, rand: () => number, shift: [number, number]): RgbImage {
  const { width, height } = image;
  const rgb = new Uint8Array(image.rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = x - shift[0];
      const sy = y - shift[1];
      if (sx < 0 || sx >= width || sy < 0 || sy >= height) continue;
      for (let c = 0; c < 3; c++) {
        const v = image.rgb[3 * (sy * width + sx) + c];
        rgb[3 * (y * width + x) + c] = v === 0 ? 0 : Math.max(0, Math.min(255, v + Math.round((rand() - 0.5) * 6)));
      }
    }
  }
  return { width, height, rgb };
}
