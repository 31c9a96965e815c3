import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SearchItem } from "@cds/core/entities";
import { encodePackBitsTiff } from "@cds/core/image";
import { acceptUpload, type AcceptUploadDeps } from "@cds/core/pipeline";
import { FolderBlobStore, librariesUnder } from "@cds/local";
import { WHOLE_IMAGE_PARAMS } from "./sprinkled-library.ts";
import { sprinkledImage } from "./synthetic-targets.ts";

/** Options of {@link acceptSprinkledMask}. */
export interface SprinkledMaskOptions {
  /** The cds data folder: the mask goes to root/uploads/<library>/<file>, its sidecar beside it. */
  root: string;
  state: AcceptUploadDeps["state"];
  /** A library {@link indexSprinkledLibrary} indexed under root, of the mask's size. */
  library: string;
  file: string;
  seed?: number;
  /** Sidecar parameters beside {@link WHOLE_IMAGE_PARAMS}. */
  parameters?: Record<string, unknown>;
  width?: number;
  height?: number;
}

/**
 * Writes a sprinkled mask and its sidecar (which keeps every pixel) into the upload folder, as an
 * upload lands there; resolves its key, `<library>/<file>`.
 *
 * @example
 * const key = await uploadSprinkledMask({ root, library: "tiny", file: "m1.tif" });
 */
export async function uploadSprinkledMask(options: Omit<SprinkledMaskOptions, "state">): Promise<string> {
  const { root, library, file, seed = 7, width = 64, height = 32 } = options;
  const key = `${library}/${file}`;
  const path = join(root, "uploads", key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.json`, JSON.stringify({ ...WHOLE_IMAGE_PARAMS, ...options.parameters }));
  await writeFile(path, encodePackBitsTiff(sprinkledImage(width, height, seed, 0.3)));
  return key;
}

/**
 * Uploads a sprinkled mask ({@link uploadSprinkledMask}) and runs core's intake on it: a real
 * accepted search, waiting for a running slot, for tests of what comes after intake.
 *
 * @example
 * const search = await acceptSprinkledMask({ root, state, library: "tiny", file: "m1.tif" });
 */
export async function acceptSprinkledMask(options: SprinkledMaskOptions): Promise<SearchItem> {
  const key = await uploadSprinkledMask(options);
  const outcome = await acceptUpload({ bucket: "uploads", key }, { state: options.state, uploads: new FolderBlobStore(join(options.root, "uploads")), libraries: librariesUnder(options.root) });
  if (outcome.kind !== "accepted") throw new Error(`intake did not accept ${key}: ${outcome.kind === "rejected" ? outcome.reason : "seen before"}`);
  return outcome.search;
}
