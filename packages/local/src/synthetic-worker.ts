// Worker thread: writes a range of a synthetic library's targets as PackBits TIFF files.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parentPort } from "node:worker_threads";
import { encodePackBitsTiff } from "@cds/core/image";
import { libraryEntry, syntheticLibrary, type PlantedInfo, type SyntheticLibrarySpec } from "@cds/synthetic";
import type { WorkerReply } from "./worker-pool.ts";

export interface SyntheticFilesTask {
  spec: SyntheticLibrarySpec;
  start: number;
  end: number;
  dir: string;
}

export interface SyntheticFilesResult {
  planted: { file: string; planted: PlantedInfo }[];
}

let cached: { key: string; plan: ReturnType<typeof syntheticLibrary>["plan"] } | undefined;

parentPort!.on("message", async (task: SyntheticFilesTask) => {
  const post = (reply: WorkerReply<SyntheticFilesResult, number>) => parentPort!.postMessage(reply);
  try {
    const key = JSON.stringify(task.spec);
    if (cached?.key !== key) cached = { key, plan: syntheticLibrary(task.spec).plan };
    const planted: SyntheticFilesResult["planted"] = [];
    await mkdir(task.dir, { recursive: true });
    for (let index = task.start; index < task.end; index++) {
      const entry = libraryEntry(cached.plan, index);
      const file = `${entry.name}.tif`;
      // Big-endian, 8-row strips: the layout of NeuronBridge's searchable_neurons TIFFs.
      await writeFile(join(task.dir, file), encodePackBitsTiff(entry.image, { bigEndian: true }));
      if (entry.planted) planted.push({ file, planted: entry.planted });
      post({ type: "progress", progress: 1 });
    }
    post({ type: "done", result: { planted } });
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
