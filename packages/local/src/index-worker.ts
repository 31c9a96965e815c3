// Worker thread: builds one library shard per task (decode → check size → encode → serialise).
import { readFile } from "node:fs/promises";
import { parentPort, type TransferListItem } from "node:worker_threads";
import { buildShard, type BuiltShard } from "@cds/core";
import type { WorkerReply } from "./worker-pool.ts";

export interface IndexTask {
  files: { sourcePath: string; absolutePath: string }[];
  width: number;
  height: number;
}

parentPort!.on("message", async (task: IndexTask) => {
  const post = (reply: WorkerReply<BuiltShard, number>, transfer: TransferListItem[] = []) => parentPort!.postMessage(reply, transfer);
  try {
    const built = await buildShard(
      task.files.map((f) => ({ sourcePath: f.sourcePath, read: async () => new Uint8Array(await readFile(f.absolutePath)) })),
      task,
      () => post({ type: "progress", progress: 1 }),
    );
    post({ type: "done", result: built }, built.bytes ? [built.bytes.buffer as ArrayBuffer] : []);
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
