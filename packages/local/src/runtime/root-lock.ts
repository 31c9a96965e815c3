import { readFileSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CdsError } from "@cds/core";

/** The lock file `cds dev` holds in its root while it runs. */
export const ROOT_LOCK_FILE = "cds-dev.lock";

/** Another live process runs `cds dev` on this root. */
export class RootInUseError extends CdsError {
  override name = "RootInUseError";
  readonly pid: number;
  constructor(root: string, pid: number) {
    super(`cds dev is already running (pid ${pid}) on ${root}; stop it first, or use another --root`);
    this.pid = pid;
  }
}

/** Roots this process holds: a lock with our own pid is stale only if we don't hold it. */
const heldHere = new Set<string>();

/** A held lock; `release` removes the file (idempotent). */
export type RootLock = { release(): Promise<void> };

/**
 * Takes `<root>/cds-dev.lock` (created exclusively, holding this pid) so that a second `cds dev`
 * on the same root stops at once with {@link RootInUseError} naming the pid that runs, instead of
 * dying inside LevelDB's lock with a stack trace. A lock left by a process that is gone (killed,
 * crashed) is taken over. A pid counts as running only while /proc shows a node process there,
 * so a reused pid after a SIGKILL does not block a restart.
 *
 * @example
 * const lock = await lockRoot(root);
 * try { … } finally { await lock.release(); }
 */
export async function lockRoot(root: string): Promise<RootLock> {
  const key = resolve(root);
  const file = join(root, ROOT_LOCK_FILE);
  for (let round = 0; ; round++) {
    try {
      const handle = await open(file, "wx", 0o600);
      try {
        await handle.writeFile(`${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`);
      } finally {
        await handle.close();
      }
      heldHere.add(key);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          heldHere.delete(key);
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || round > 0) throw error;
    }
    const pid = await holderOf(file);
    if (pid !== undefined && isRunning(pid) && (pid !== process.pid || heldHere.has(key))) throw new RootInUseError(root, pid);
    await rm(file, { force: true }); // stale: its process is gone
  }
}

async function holderOf(file: string): Promise<number | undefined> {
  try {
    const { pid } = JSON.parse(await readFile(file, "utf8")) as { pid?: unknown };
    return typeof pid === "number" && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // half-written or damaged: nobody can be identified as holding it
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return true; // no /proc (macOS): the pid's liveness is all there is to go on
  }
}
