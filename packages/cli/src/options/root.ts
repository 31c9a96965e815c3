import { stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { CdsError, ImageSizeMismatchError, ParameterError } from "@cds/core";
import { type LibraryManifest, MAX_LIBRARIES_PER_SEARCH, readManifest } from "@cds/core/library";
import { FolderBlobStore } from "@cds/local";

/** The folder holding libraries, uploads and results: `--root`, else $CDS_ROOT, else ./cds-data. */
export function resolveRoot(cwd: string, root?: string): string {
  return resolve(cwd, root ?? process.env.CDS_ROOT ?? "cds-data");
}

/** Where the runtime keeps the library called `name`. */
export function libraryFolder(root: string, name: string): string {
  return join(root, "libraries", name);
}

/** Library names become folder names and S3 prefixes. */
export function checkLibraryName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new ParameterError("--name", `library name "${name}" must be letters, digits, ".", "_" or "-" (and start with a letter or digit)`);
  }
  return name;
}

export type ResolvedLibrary =
  | { kind: "indexed"; root: string; manifest: LibraryManifest }
  | { kind: "raw"; source: string };

/** What `--library` names: one library or folder, or several indexed libraries searched as one. */
export type SearchedLibraries = ResolvedLibrary | { kind: "union"; libraries: { root: string; manifest: LibraryManifest }[] };

/**
 * `--library a,b`: several indexed libraries (names or paths), each once, all of one image size,
 * ranked as one. A value without a comma is one library or folder ({@link resolveLibrary}).
 */
export async function resolveLibraries(cwd: string, root: string, value: string): Promise<SearchedLibraries> {
  if (!value.includes(",")) return resolveLibrary(cwd, root, value);
  const names = [...new Set(value.split(",").map((n) => n.trim()))];
  if (names.some((n) => n === "")) throw new ParameterError("--library", `--library "${value}" has an empty name between its commas`);
  if (names.length > MAX_LIBRARIES_PER_SEARCH) throw new ParameterError("--library", `--library names ${names.length} libraries; one search covers at most ${MAX_LIBRARIES_PER_SEARCH}`);
  if (names.length === 1) return resolveLibrary(cwd, root, names[0]);
  const libraries: { root: string; manifest: LibraryManifest }[] = [];
  for (const name of names) {
    const library = await resolveLibrary(cwd, root, name);
    if (library.kind !== "indexed") {
      throw new ParameterError("--library", `--library ${name} is a folder of images; several libraries can be searched at once only when each is indexed (\`cds library index\`)`);
    }
    const first = libraries[0]?.manifest;
    if (first && (first.width !== library.manifest.width || first.height !== library.manifest.height)) {
      throw new ImageSizeMismatchError(first, library.manifest, `library ${library.manifest.name} (for ${first.name}'s images)`);
    }
    libraries.push(library);
  }
  return { kind: "union", libraries };
}

/**
 * `--library` may name an indexed library under the root, or be a path: to an indexed library
 * (a folder with manifest.json), or to a raw folder of images / NeuronBridge layout.
 */
export async function resolveLibrary(cwd: string, root: string, library: string): Promise<ResolvedLibrary> {
  const candidates = [
    ...(isAbsolute(library) || library.includes("/") || library.startsWith(".") ? [] : [libraryFolder(root, library)]),
    resolve(cwd, library),
  ];
  for (const folder of candidates) {
    const store = new FolderBlobStore(folder);
    if (await store.exists("manifest.json")) return { kind: "indexed", root: folder, manifest: await readManifest(store) };
  }
  const path = resolve(cwd, library);
  if (await isDirectory(path)) return { kind: "raw", source: path };
  throw new CdsError(
    `no library "${library}": not an indexed library under ${join(root, "libraries")} and not a folder. ` +
      `Index one with \`cds library index <source> --name ${library}\`, or pass a folder of images.`,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
