// Worker thread: builds one library shard per task, from image files or from a synthetic spec.
import { readFile } from "node:fs/promises";
import { parentPort, type TransferListItem } from "node:worker_threads";
import { decodeImage } from "@cds/core/image";
import { buildShard, type BuiltShard, type ShardSource } from "@cds/core/library";
import { libraryEntry, libraryName, syntheticLibrary, type SyntheticLibrarySpec } from "@cds/synthetic";
import { type BuiltShapeData, captureShapeData } from "./shape-companions.ts";
import type { WorkerReply } from "./worker-pool.ts";

/** A built shard, with its items' shape data when the task asked for it (`--with-shape`). */
export type BuiltIndexShard = BuiltShard & { shape?: BuiltShapeData };

export type IndexTask = { width: number; height: number; withShape?: boolean } & (
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
  const post = (reply: WorkerReply<BuiltIndexShard, number>, transfer: TransferListItem[] = []) => parentPort!.postMessage(reply, transfer);
  try {
    const capture = task.withShape ? captureShapeData(sourcesOf(task), task.kind === "files" ? task.files : undefined) : undefined;
    const built: BuiltIndexShard = await buildShard(capture?.sources ?? sourcesOf(task), task, () => post({ type: "progress", progress: 1 }));
    if (capture) built.shape = capture.collect(built.items);
    const transfer = [...(built.bytes ? [built.bytes.buffer as ArrayBuffer] : []), ...(built.shape?.companions.map((c) => c.buffer as ArrayBuffer) ?? [])];
    post({ type: "done", result: built }, transfer);
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
