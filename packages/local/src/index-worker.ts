// Worker thread: builds one library shard per task, from image files or from a synthetic spec.
import { readFile } from "node:fs/promises";
import { parentPort, type TransferListItem } from "node:worker_threads";
import {
  buildShard,
  type BuiltShard,
  decodeImage,
  libraryEntry,
  libraryName,
  type ShardSource,
  syntheticLibrary,
  type SyntheticLibrarySpec,
} from "@cds/core";
import type { WorkerReply } from "./worker-pool.ts";

export type IndexTask = { width: number; height: number } & (
  | { kind: "files"; files: { sourcePath: string; absolutePath: string; metadata?: ShardSource["metadata"] }[] }
  | { kind: "synthetic"; spec: SyntheticLibrarySpec; start: number; end: number }
);

let synthetic: { key: string; library: ReturnType<typeof syntheticLibrary> } | undefined;

function sourcesOf(task: IndexTask): ShardSource[] {
  if (task.kind === "files") {
    return task.files.map((f) => ({
      sourcePath: f.sourcePath,
      ...(f.metadata ? { metadata: f.metadata } : {}),
      load: async () => decodeImage(new Uint8Array(await readFile(f.absolutePath)), { name: f.sourcePath }),
    }));
  }
  const key = JSON.stringify(task.spec);
  if (synthetic?.key !== key) synthetic = { key, library: syntheticLibrary(task.spec) };
  const { plan } = synthetic.library;
  return Array.from({ length: task.end - task.start }, (_, i) => {
    const index = task.start + i;
    return { sourcePath: `synthetic/${libraryName(task.spec.seed, index)}.tif`, load: () => libraryEntry(plan, index).image };
  });
}

parentPort!.on("message", async (task: IndexTask) => {
  const post = (reply: WorkerReply<BuiltShard, number>, transfer: TransferListItem[] = []) => parentPort!.postMessage(reply, transfer);
  try {
    const built = await buildShard(sourcesOf(task), task, () => post({ type: "progress", progress: 1 }));
    post({ type: "done", result: built }, built.bytes ? [built.bytes.buffer as ArrayBuffer] : []);
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
