import { InputRefusedError, type BlobStore, type InputLimits } from "../ports/blob-store.ts";

/** The largest parameters sidecar read: a few parameters take well under 1 KiB. */
export const SIDECAR_MAX_BYTES = 64 * 1024;

/**
 * The largest mask read unless configured otherwise: a 16-bit RGBA CDM of the largest template
 * (1210×566 and 3342×1564 alike) is a few MiB compressed; 64 MiB leaves room for uncompressed TIFF.
 */
export const DEFAULT_MASK_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads a user's input within limits: through the store's {@link BlobStore.getInput} when it has
 * one (no symlinks, regular files only, size checked before reading, head checked before the
 * rest), else with `get` and the same checks after. Throws {@link InputRefusedError} (a
 * `UserInputError`), `BlobNotFoundError`, or what `checkHead` throws.
 *
 * @example
 * const bytes = await readUserInput(uploads, key, { maxBytes: DEFAULT_MASK_MAX_BYTES, what: `the mask ${key}`, checkHead: (h) => sniffImageFormat(h, key) });
 */
export async function readUserInput(store: BlobStore, key: string, limits: InputLimits): Promise<Uint8Array> {
  if (store.getInput) return store.getInput(key, limits);
  const bytes = await store.get(key);
  if (bytes.byteLength > limits.maxBytes) throw tooLarge(limits, bytes.byteLength);
  limits.checkHead?.(bytes.subarray(0, limits.headBytes ?? 16));
  return bytes;
}

/**
 * The refusal of an input over its limit, naming the limit and how to raise it where there is one.
 *
 * @example
 * throw tooLarge({ maxBytes: 65536, what: "the sidecar lm/a.png.json" }, 1_000_000);
 */
export function tooLarge(limits: Pick<InputLimits, "maxBytes" | "what">, size: number): InputRefusedError {
  return new InputRefusedError(`${limits.what} is ${formatBytes(size)}, over its limit of ${formatBytes(limits.maxBytes)}`);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}
