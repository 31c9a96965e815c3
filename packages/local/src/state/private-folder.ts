import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Owner-only modes for the state folder: it holds webhook secrets and every search. */
export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `folder` (and parents) if absent and makes it and everything in it owner-only:
 * folders 0700, files 0600. LevelDB creates its files with the process's umask (often 0644);
 * the 0700 folder already keeps other users out, and this pass brings the files' own modes in
 * line when the store opens and closes. Symbolic links are left alone (never followed).
 *
 * @example
 * await makePrivateFolder(".cds/state");
 */
export async function makePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  await restrict(folder);
}

async function restrict(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    return; // removed meanwhile (LevelDB replaces files as it compacts)
  }
  if (info.isDirectory()) {
    if ((info.mode & 0o777) !== PRIVATE_FOLDER_MODE) await chmod(path, PRIVATE_FOLDER_MODE).catch(() => undefined);
    for (const name of await readdir(path).catch(() => [])) await restrict(join(path, name));
  } else if (info.isFile() && (info.mode & 0o777) !== PRIVATE_FILE_MODE) {
    await chmod(path, PRIVATE_FILE_MODE).catch(() => undefined);
  }
}
