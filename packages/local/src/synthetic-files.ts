import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { encodePackBitsTiff } from "@cds/core/image";
import { renderMask, syntheticLibrary, type PlantedInfo, type SyntheticLibrarySpec } from "@cds/synthetic";
import type { SyntheticFilesResult, SyntheticFilesTask } from "./synthetic-worker.ts";
import { WorkerPool } from "./worker-pool.ts";

export interface SyntheticFiles {
  /** Folder of target TIFFs. */
  targets: string;
  /** Mask TIFFs, mask i = the neuron planted with maskIndex i. */
  masks: string[];
  /** Which target files carry which mask's neuron, and how it was moved. */
  planted: { file: string; planted: PlantedInfo }[];
}

/**
 * Writes a synthetic library as files, the way a lab's data would arrive: `targets/*.tif`
 * (PackBits TIFFs), `masks/mask-<i>.tif`, and `planted.json` recording the known answer.
 *
 * @example
 * const files = await writeSyntheticFiles("demo-data", { seed: "demo", count: 2000, masks: 3, plantedPerMask: 2 });
 */
export async function writeSyntheticFiles(
  dir: string,
  spec: SyntheticLibrarySpec,
  options: { workers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<SyntheticFiles> {
  const targets = join(dir, "targets");
  const masksDir = join(dir, "masks");
  await mkdir(masksDir, { recursive: true });
  const { neurons } = syntheticLibrary(spec);
  const masks = await Promise.all(
    neurons.map(async (neuron, i) => {
      const path = join(masksDir, `mask-${i}.tif`);
      await writeFile(path, encodePackBitsTiff(renderMask(neuron)));
      return path;
    }),
  );
  const batch = 50;
  const tasks: SyntheticFilesTask[] = Array.from({ length: Math.ceil(spec.count / batch) }, (_, b) => ({
    spec,
    start: b * batch,
    end: Math.min(spec.count, (b + 1) * batch),
    dir: targets,
  }));
  const pool = new WorkerPool<SyntheticFilesTask, SyntheticFilesResult, number>(
    new URL("./synthetic-worker.ts", import.meta.url),
    Math.min(options.workers ?? availableParallelism(), tasks.length),
  );
  let done = 0;
  try {
    const results = await Promise.all(
      tasks.map((task) => pool.run(task, { onProgress: (n) => options.onProgress?.((done += n), spec.count) })),
    );
    const planted = results.flatMap((r) => r.planted);
    await writeFile(join(dir, "planted.json"), `${JSON.stringify({ spec, masks, planted }, null, 2)}\n`);
    return { targets, masks, planted };
  } finally {
    await pool.close();
  }
}
