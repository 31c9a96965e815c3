import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { CdsError } from "@cds/core";

/** One image of a source to index: its path relative to the source (for metadata) and on disk. */
export interface SourceImage {
  sourcePath: string;
  absolutePath: string;
}

export interface LibrarySource {
  layout: "folder" | "neuronbridge";
  images: SourceImage[];
  /** Entries the layout promised but that are not there (e.g. keys with no file). */
  missing: { sourcePath: string; reason: string }[];
}

const imageExtension = /\.(tiff?|png|jpe?g)$/i;
const SEARCHABLE = "searchable_neurons";
const KEY_LIST = "keys_denormalized.json";

/** The source folder cannot be used at all (absent, not a folder, or without images). */
export class LibrarySourceError extends CdsError {
  override name = "LibrarySourceError";
}

/**
 * Lists the images of a library source: a folder of CDM images (searched recursively), or a
 * NeuronBridge layout — a `searchable_neurons/` folder of numbered partitions, listed by its
 * `keys_denormalized.json` when present. Paths come back sorted, so a listing is reproducible.
 *
 * @example
 * const { layout, images } = await listLibrarySource("/data/FlyLight_Split-GAL4_Drivers");
 */
export async function listLibrarySource(root: string): Promise<LibrarySource> {
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new LibrarySourceError(`the library source ${root} does not exist`);
  }
  if (!info.isDirectory()) throw new LibrarySourceError(`the library source ${root} is not a folder`);

  const searchable = basename(root) === SEARCHABLE ? root : (await isDirectory(join(root, SEARCHABLE))) ? join(root, SEARCHABLE) : null;
  const source = searchable ? await listNeuronBridge(searchable) : { layout: "folder" as const, images: await listFolder(root), missing: [] };
  if (source.images.length === 0) {
    throw new LibrarySourceError(
      `the library source ${root} holds no images (looked for .tif, .tiff, .png, .jpg and .jpeg files${searchable ? ` under ${SEARCHABLE}/` : ", recursively"})`,
    );
  }
  return source;
}

async function listFolder(root: string): Promise<SourceImage[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && imageExtension.test(e.name) && !e.name.startsWith("."))
    .map((e) => join(e.parentPath, e.name))
    .map((absolutePath) => ({ absolutePath, sourcePath: relative(root, absolutePath).split(sep).join("/") }))
    .sort((a, b) => (a.sourcePath < b.sourcePath ? -1 : a.sourcePath > b.sourcePath ? 1 : 0));
}

async function listNeuronBridge(searchable: string): Promise<LibrarySource> {
  const base = join(searchable, "..");
  const keyFile = (await isFile(join(searchable, KEY_LIST)))
    ? join(searchable, KEY_LIST)
    : (await isFile(join(searchable, "KEYS", "0", KEY_LIST)))
      ? join(searchable, "KEYS", "0", KEY_LIST)
      : null;
  if (!keyFile) {
    // No key list: every image in a numbered partition (pngs/ holds display copies).
    const images = (await listFolder(searchable))
      .filter((i) => /^\d+\//.test(i.sourcePath))
      .map((i) => ({ ...i, sourcePath: `${SEARCHABLE}/${i.sourcePath}` }));
    return { layout: "neuronbridge", images, missing: [] };
  }
  let keys: unknown;
  try {
    keys = JSON.parse(await readFile(keyFile, "utf8"));
  } catch (cause) {
    throw new LibrarySourceError(`${keyFile} is not a readable JSON key list`, { cause });
  }
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    throw new LibrarySourceError(`${keyFile} must be a JSON array of object keys`);
  }
  const images: SourceImage[] = [];
  const missing: LibrarySource["missing"] = [];
  for (const key of [...new Set(keys as string[])].sort()) {
    const at = key.indexOf(`${SEARCHABLE}/`);
    const sourcePath = at >= 0 ? key.slice(at) : `${SEARCHABLE}/${key}`;
    const absolutePath = join(base, ...sourcePath.split("/"));
    if (await isFile(absolutePath)) images.push({ sourcePath, absolutePath });
    else missing.push({ sourcePath, reason: `is listed in ${KEY_LIST} but there is no such file` });
  }
  return { layout: "neuronbridge", images, missing };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
