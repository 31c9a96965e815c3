// Worker thread: scores one prepared mask against batches of an indexed library or of raw images.
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { decodeImage, decodeTiffInto, readImageHeader, type RgbImage } from "@cds/core/image";
import { itemMetadataFromPath, unionStore } from "@cds/core/library";
import { isMatch, prepareMask, scoreTargetImage } from "@cds/core/scoring";
import { createSearchScratch, searchLibraryRange, type BatchSearchResult, type TargetMatch } from "@cds/core/search";
import { FolderBlobStore } from "./folder-blob-store.ts";
import type { SearchBatch, SearchBatchResult, SearchWorkerInit } from "./search-runner.ts";
import type { WorkerReply } from "./worker-pool.ts";

const init = workerData as SearchWorkerInit;
const prepared = prepareMask(init.mask, init.params);
const roots = init.library.kind === "indexed" ? init.library.roots : [];
const store = roots.length === 0 ? null : roots.length === 1 ? new FolderBlobStore(roots[0]) : unionStore(roots.map((root) => new FolderBlobStore(root)));
const options = { minMatchingPixRatio: init.params.minMatchingPixRatio, keepAll: init.keepAll, scratch: createSearchScratch() };

parentPort!.on("message", async (batch: SearchBatch) => {
  const post = (reply: WorkerReply<SearchBatchResult, number>) => parentPort!.postMessage(reply);
  try {
    const result =
      batch.kind === "range"
        ? await searchIndexed(batch.start, batch.end, (n) => post({ type: "progress", progress: n }))
        : await searchFiles(batch.files, (n) => post({ type: "progress", progress: n }));
    post({ type: "done", result });
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});

async function searchIndexed(start: number, end: number, progress: (n: number) => void): Promise<SearchBatchResult> {
  if (init.library.kind !== "indexed" || !store) throw new Error("range batches need an indexed library");
  let reported = 0;
  const result: BatchSearchResult = await searchLibraryRange(store, init.library.layout, prepared, start, end, {
    ...options,
    onProgress: (scored) => {
      progress(scored - reported);
      reported = scored;
    },
  });
  return { ...result, skipped: [] };
}

let raster = new Uint8Array(0);

/**
 * Raw targets are mostly PackBits TIFFs: decode those into one reused raster instead of a
 * fresh 2 MB image per target; anything else goes through the general decoder.
 */
async function decodeReusing(bytes: Uint8Array, name: string): Promise<RgbImage> {
  const header = readImageHeader(bytes, { name });
  if (header.format !== "tiff") return decodeImage(bytes, { name });
  if (raster.length < 3 * header.width * header.height) raster = new Uint8Array(3 * header.width * header.height);
  const { width, height } = decodeTiffInto(bytes, raster, { name });
  return { width, height, rgb: raster.subarray(0, 3 * width * height) };
}

async function searchFiles(
  files: { index: number; sourcePath: string; absolutePath: string }[],
  progress: (n: number) => void,
): Promise<SearchBatchResult> {
  const matches: TargetMatch[] = [];
  const skipped: SearchBatchResult["skipped"] = [];
  for (const file of files) {
    try {
      const image = await decodeReusing(new Uint8Array(await readFile(file.absolutePath)), file.sourcePath);
      const score = scoreTargetImage(prepared, image, file.sourcePath);
      if (options.keepAll || isMatch(score, options.minMatchingPixRatio)) {
        matches.push({ ...score, index: file.index, item: itemMetadataFromPath(file.sourcePath) });
      }
    } catch (error) {
      skipped.push({ sourcePath: file.sourcePath, reason: error instanceof Error ? error.message : String(error) });
    }
    progress(1);
  }
  return { matches, scored: files.length - skipped.length, objectsRead: files.length, skipped };
}
