import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { CdsError } from "@cds/core";
import type { RejectedMask, SubmissionInput } from "@cds/core/submission";
import { maskImageSuffixes } from "@cds/events";
import { parseManifest } from "./manifest.ts";

/** The masks a `cds submit` command line names, read, and the ones that could not be read. */
export interface MaskInputs {
  inputs: SubmissionInput[];
  /** Files a manifest names that cannot be read, with the reason. */
  unreadable: RejectedMask[];
}

/**
 * Expands `cds submit`'s arguments into masks, in the order given: a mask file as itself, a
 * folder as every PNG/TIFF/JPEG under it (sorted by path), a `.csv` or `.json` manifest as the
 * masks it lists with their own parameters. Each mask's sidecar keys are `base` (the command's
 * options) overridden by its manifest row. An argument that does not exist is an error; a file
 * a manifest names that cannot be read is reported with the rest of the bad masks.
 *
 * @example
 * const { inputs, unreadable } = await readMaskInputs(["masks/", "extra.csv"], { cwd, base: { maskThreshold: 100 } });
 */
export async function readMaskInputs(args: readonly string[], options: { cwd: string; base: Record<string, unknown> }): Promise<MaskInputs> {
  const result: MaskInputs = { inputs: [], unreadable: [] };
  for (const arg of args) {
    const path = resolve(options.cwd, arg);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new CdsError(`${arg}: no such file or folder`);
    if (info.isDirectory()) {
      for (const file of await imagesUnder(path)) await addMask(result, { file: join(arg, relative(path, file)), path: file, sidecar: options.base });
    } else if (/\.(csv|json)$/i.test(path)) {
      const kind = path.toLowerCase().endsWith(".csv") ? "csv" : "json";
      for (const row of parseManifest(await readFile(path, "utf8"), kind, arg)) {
        const file = resolve(dirname(path), row.file);
        await addMask(result, { file: row.file, path: file, name: row.name, sidecar: { ...options.base, ...row.sidecar } });
      }
    } else {
      await addMask(result, { file: arg, path, sidecar: options.base });
    }
  }
  return result;
}

async function addMask(result: MaskInputs, mask: { file: string; path: string; name?: string; sidecar: Record<string, unknown> }): Promise<void> {
  const name = mask.name ?? basename(mask.file, extname(mask.file));
  let bytes: Uint8Array;
  try {
    bytes = await readFile(mask.path);
  } catch (error) {
    result.unreadable.push({ name, file: mask.file, reason: `cannot read ${mask.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    return;
  }
  result.inputs.push({ file: mask.file, name, bytes, sidecar: mask.sidecar });
}

async function imagesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith(".") && maskImageSuffixes.some((suffix) => e.name.toLowerCase().endsWith(suffix)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
