import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import { encodePackBitsTiff } from "@cds/core/image";
import { renderMask, syntheticLibrary } from "@cds/synthetic";
import { FolderBlobStore, indexSyntheticLibrary, lockRoot, ROOT_LOCK_FILE, startLocalRuntime, startLocalState, type LocalRuntime } from "@cds/local";
import { repoRoot } from "@cds/testing/shared-data";
import { tempDir } from "@cds/testing/temp-dir";

const spec = { seed: "runtime-faults", count: 6, masks: 1, plantedPerMask: 1 };

describe("one cds dev per root", () => {
  let root: string;
  let runtime: LocalRuntime | undefined;
  beforeAll(async () => {
    root = await tempDir("cds-lock-");
    await indexSyntheticLibrary({ name: "lib", store: new FolderBlobStore(join(root, "libraries", "lib")), spec, shardSize: 3 });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it("a second cds dev on a root in use exits at once with \"already running (pid N)\", no stack trace", async () => {
    runtime = await startLocalRuntime({ root, scorerThreads: 1, pollMs: 100 });
    const second = await promisify(execFile)(process.execPath, [join(repoRoot, "packages/cli/bin/cds.js"), "dev", "--root", root], { timeout: 20_000 }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code?: number; stderr?: string; killed?: boolean }) => ({ code: error.killed ? "timeout" : error.code, stderr: error.stderr ?? "" }),
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`already running (pid ${process.pid})`);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    // The first is untouched: its lock is still its own.
    expect(JSON.parse(await readFile(join(root, ROOT_LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    await runtime.stop();
    runtime = undefined;
    await expect(readFile(join(root, ROOT_LOCK_FILE))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("takes over a lock left by a process that is gone (a SIGKILLed cds dev)", async () => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    await writeFile(join(root, ROOT_LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout) }));
    const lock = await lockRoot(root);
    expect(JSON.parse(await readFile(join(root, ROOT_LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
  });
});

describe("temporary files a killed cds dev left", () => {
  it("are removed at the next start, in results and the email outbox; finished files stay", async () => {
    const root = await tempDir("cds-leftovers-");
    await mkdir(join(root, "results", "nested"), { recursive: true });
    await mkdir(join(root, "outbox"), { recursive: true });
    const left = [join(root, "results", "s1.json.4242.k3j2.tmp"), join(root, "results", "nested", "match-1.png.4242.zz.tmp"), join(root, "outbox", "m.eml.tmp")];
    for (const path of left) await writeFile(path, "half written");
    await writeFile(join(root, "results", "s0.json"), "{}");
    const runtime = await startLocalRuntime({ root, scorerThreads: 1, pollMs: 100 });
    try {
      for (const path of left) await expect(readFile(path)).rejects.toMatchObject({ code: "ENOENT" });
      expect(await readFile(join(root, "results", "s0.json"), "utf8")).toBe("{}");
    } finally {
      await runtime.stop();
    }
  });
});

/** A tmpfs of `size` at a fresh folder, or undefined where mounting is not allowed (not root, no tmpfs). */
async function smallDisk(size: string): Promise<string | undefined> {
  const dir = await tempDir("cds-disk-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    return undefined;
  }
}

/** Fills the disk at `dir` until ENOSPC; returns the filler's path (remove it to free the space). */
async function fill(dir: string): Promise<string> {
  const filler = join(dir, "filler");
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { stdio: "ignore" });
  } catch {
    // dd stops with ENOSPC, as intended
  }
  return filler;
}

describe("a full disk under the state store", () => {
  let disk: string | undefined;
  beforeAll(async () => {
    disk = await smallDisk("8m");
  });
  afterAll(async () => {
    if (disk) execFileSync("umount", ["-l", disk]);
  });

  it("fails the state call (ENOSPC) instead of killing the process, and works again once space is freed", async (context) => {
    if (!disk) return context.skip("needs permission to mount a small tmpfs (root in a container) to make a real ENOSPC");
    const local = await startLocalState({ folder: join(disk, "state") });
    try {
      await local.state.createSubscription({ url: "https://hooks.example.org/a", events: ["Search Completed"], secret: "whsec_a" });
      const filler = await fill(disk);
      // Big items, so LevelDB's log has to write to the full disk.
      const big = "x".repeat(200_000);
      const failures: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        await local.state.createSubscription({ url: `https://hooks.example.org/${i}`, events: [big], secret: "whsec_b" }).catch((error: unknown) => failures.push(error));
      }
      expect(failures.length).toBeGreaterThan(0);
      expect(String((failures[0] as Error).message)).toMatch(/could not complete the request|IO error|No space/i);
      // This process is still here (dynalite used to throw the IO error where nothing could catch it).
      await rm(filler);
      const after = await local.state.createSubscription({ url: "https://hooks.example.org/after", events: ["Search Completed"], secret: "whsec_c" });
      expect(await local.state.getSubscription(after.subscriptionId)).toMatchObject({ url: "https://hooks.example.org/after" });
    } finally {
      await local.stop();
    }
  });

  it("cds dev survives its state disk filling up while a mask arrives; intake fails, is retried, and the search completes once space is freed", async (context) => {
    if (!disk) return context.skip("needs permission to mount a small tmpfs (root in a container) to make a real ENOSPC");
    // Only the state folder is on the small disk: the uploads, the event log and results are not.
    const root = await tempDir("cds-full-state-");
    await indexSyntheticLibrary({ name: "lib", store: new FolderBlobStore(join(root, "libraries", "lib")), spec, shardSize: 3 });
    const stateDisk = await smallDisk("8m");
    if (!stateDisk) return context.skip("could not mount a second tmpfs");
    await mkdir(join(root, "state"), { recursive: true });
    execFileSync("mount", ["--bind", stateDisk, join(root, "state")]);
    const errors: unknown[] = [];
    const runtime = await startLocalRuntime({ root, scorerThreads: 1, pollMs: 50, uploadSettleMs: 0, retryDelaysMs: [500, 1000, 2000, 4000], onError: (e) => errors.push(e) });
    try {
      const filler = await fill(join(root, "state"));
      // Use up what LevelDB's last log page had left: state writes now fail.
      const big = "x".repeat(100_000);
      let refused = 0;
      for (let i = 0; i < 20 && refused < 2; i++) {
        await runtime.state.createSubscription({ url: `https://hooks.example.org/${i}`, events: [big], secret: "s", active: false }).catch(() => refused++);
      }
      expect(refused).toBe(2);
      await writeFile(join(root, "uploads", "lib", "m.tif"), encodePackBitsTiff(renderMask(syntheticLibrary(spec).neurons[0])));
      await new Promise((r) => setTimeout(r, 1200));
      // Still alive, and intake could not record the search yet.
      expect((await runtime.state.listSearchesByStatus("accepted").catch(() => ({ items: [] }))).items).toEqual([]);
      await rm(filler);
      let done: SearchItem | undefined;
      for (let i = 0; i < 200 && !done; i++) {
        await new Promise((r) => setTimeout(r, 100));
        done = (await runtime.state.listSearchesByStatus("completed")).items[0];
      }
      expect(done?.maskKey).toBe("lib/m.tif");
    } finally {
      await runtime.stop();
      execFileSync("umount", ["-l", join(root, "state")]);
      execFileSync("umount", ["-l", stateDisk]);
    }
  });
});
