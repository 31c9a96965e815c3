// Worker thread of the local runtime's scorer pool: a warm "Lambda container" that scores one
// search batch per message with the same in-process scorer a Lambda uses, keeping prepared masks
// and its shard read buffer from one batch to the next.
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import type { SearchJob } from "@cds/core/pipeline";
import type { WorkerPayload } from "@cds/core/planning";
import { inProcessBatchScorer, type BatchScore } from "@cds/functions";
import { FolderBlobStore } from "../folder-blob-store.ts";
import type { WorkerReply } from "../worker-pool.ts";
import type { BatchScorerThreadInit } from "./thread-pool-batch-scorer.ts";

const init = workerData as BatchScorerThreadInit;
const scorer = inProcessBatchScorer({
  uploads: new FolderBlobStore(init.uploadsFolder),
  libraries: (name) => new FolderBlobStore(join(init.librariesFolder, name)),
  maskCacheSize: init.maskCacheSize,
});

parentPort!.on("message", async (payload: WorkerPayload<SearchJob>) => {
  const post = (reply: WorkerReply<BatchScore, never>) => parentPort!.postMessage(reply);
  try {
    post({ type: "done", result: await scorer.score(payload) });
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error), ...(error instanceof Error ? { name: error.name } : {}) });
  }
});
