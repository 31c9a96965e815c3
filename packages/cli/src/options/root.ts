import { stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { CdsError, type LibraryManifest, ParameterError, readManifest } from "@cds/core";
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
