import { mkdir, open, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { CdsError } from "@cds/core";
import { isSystemError, systemErrorReason } from "./system-error.ts";

/**
 * Checks, before any work starts, that an output file can be written: its folder exists and takes
 * new files, and the path is not a folder. Nothing is left behind (a probe file is removed), so a
 * search cannot run for minutes only to lose its results to a wrong `--out`.
 *
 * @example
 * const out = await checkOutputFile(io.cwd, options.out, "--out");
 */
export async function checkOutputFile(cwd: string, path: string, option: string): Promise<string> {
  const full = resolve(cwd, path);
  const existing = await stat(full).catch(() => undefined);
  if (existing?.isDirectory()) throw new CdsError(`cannot write ${option} ${path}: it is a folder; name a file such as ${join(path, "results.json")}`);
  try {
    if (existing) {
      await (await open(full, "r+")).close();
    } else {
      await (await open(full, "wx")).close();
      await rm(full, { force: true });
    }
  } catch (error) {
    if (isSystemError(error)) {
      const where = error.code === "ENOENT" ? `the folder ${dirname(path) || "."} does not exist` : systemErrorReason(error);
      throw new CdsError(`cannot write ${option} ${path}: ${where}`, { cause: error });
    }
    throw error;
  }
  return full;
}

/**
 * Checks, before any work starts, that an output folder can be made and written: creates it,
 * writes and removes a probe file, and removes the folders it made, so `--to /proc/x` fails at
 * once with one line and a failed run leaves no empty folder.
 *
 * @example
 * await checkOutputFolder(io.cwd, options.to, "--to");
 */
export async function checkOutputFolder(cwd: string, path: string, option: string): Promise<string> {
  const full = resolve(cwd, path);
  const probe = join(full, `.cds-write-check-${process.pid}`);
  try {
    const existing = await stat(full).catch(() => undefined);
    if (existing && !existing.isDirectory()) throw new CdsError(`cannot write ${option} ${path}: it is a file, not a folder`);
    const made = await makeFolders(full);
    await (await open(probe, "wx")).close();
    await rm(probe, { force: true });
    // Leave nothing behind: the command makes the folder when it writes there.
    for (const folder of made.reverse()) await rmdir(folder).catch(() => undefined);
  } catch (error) {
    if (isSystemError(error)) {
      const reason = error.code === "ENOENT" ? "folders cannot be made there" : systemErrorReason(error);
      throw new CdsError(`cannot write ${option} ${path}: ${reason}`, { cause: error });
    }
    throw error;
  }
  return full;
}

/**
 * Makes a folder and its missing parents one level at a time. Node's `mkdir(…, { recursive: true })`
 * never returns for a path under /proc (it retries ENOENT forever); one level at a time fails at once.
 */
async function makeFolders(full: string): Promise<string[]> {
  const missing: string[] = [];
  for (let at = full; !(await stat(at).catch(() => undefined)); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  const made: string[] = [];
  for (const folder of missing) {
    try {
      await mkdir(folder);
      made.push(folder);
    } catch (error) {
      if (!(isSystemError(error) && error.code === "EEXIST")) throw error;
    }
  }
  return made;
}
