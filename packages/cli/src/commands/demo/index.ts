import type { Command } from "commander";
import { mkdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { readManifest } from "@cds/core/library";
import { FolderBlobStore } from "@cds/local";
import type { Io } from "../../io.ts";
import { libraryFolder, resolveRoot } from "../../options/root.ts";
import { indexCommand, positiveInteger } from "../library/index.ts";
import { searchCommand } from "../search/index.ts";
import { synthCommand } from "../synth/index.ts";
import { devCommand } from "../dev/index.ts";

interface DemoOptions {
  root?: string;
  count: string;
  web?: boolean;
}

export function registerDemoCommand(program: Command, io: Io): void {
  program
    .command("demo")
    .description("generate a synthetic library, index it and search it: the whole pipeline on this machine")
    .option("--root <dir>", "the cds data folder (default: $CDS_ROOT or ./cds-data)")
    .option("--count <n>", "number of synthetic target images", "2000")
    .option("--web", "then run the pipeline (cds dev) with its browser console on the demo library, until Ctrl-C")
    .action(async (options: DemoOptions) => {
      const found = await demoCommand(options, io);
      if (!options.web) return;
      const root = resolveRoot(io.cwd, options.root);
      const masks = (await readPlanted(join(root, "demo-data", `synthetic-${positiveInteger("--count", options.count)}`)))?.masks ?? [];
      io.out(`${found ? "" : "(the demo's check failed; the console runs anyway) "}open the console below and choose a mask, e.g. ${masks.join(" or ")}`);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await devCommand({ root }, io, stop.signal);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}

/**
 * Generates (once) a synthetic library with known answers, indexes it (once) and searches it
 * with the first mask, then checks that the targets carrying that mask's neuron rank first.
 */
export async function demoCommand(options: DemoOptions, io: Io): Promise<boolean> {
  const root = resolveRoot(io.cwd, options.root);
  const count = positiveInteger("--count", options.count);
  const dataDir = join(root, "demo-data", `synthetic-${count}`);
  const spec = { seed: "demo", count: String(count), masks: "3", planted: "2" };

  const planted = await readPlanted(dataDir);
  const files = planted ?? (await synthCommand(dataDir, spec, io));
  if (planted) io.out(`using the synthetic library already in ${dataDir}`);

  const name = `demo-${count}`;
  const libraryStore = new FolderBlobStore(libraryFolder(root, name));
  const existing = (await libraryStore.exists("manifest.json")) ? await readManifest(libraryStore) : undefined;
  if (existing?.count === count) io.out(`using the library "${name}" already indexed in ${libraryStore.root}`);
  else await indexCommand(join(dataDir, "targets"), { name, root, force: true }, io);

  await mkdir(join(root, "results"), { recursive: true });
  const mask = files.masks[0];
  const out = join(root, "results", `${name}-${basename(mask, ".tif")}.json`);
  const results = await searchCommand(mask, { library: name, root, top: "10", out }, io);
  const expected = files.planted.filter((p) => p.planted.maskIndex === 0).map((p) => basename(p.file, ".tif"));
  const top = results.results.slice(0, expected.length).map((m) => m.name);
  const found = expected.every((name) => top.includes(name));
  io.out(
    found
      ? `the ${expected.length} targets carrying ${basename(mask)}'s neuron (shifted or mirrored copies) rank first, as planted`
      : `warning: the planted targets ${expected.join(", ")} did not all rank first`,
  );
  return found;
}

async function readPlanted(dir: string): Promise<{ masks: string[]; planted: { file: string; planted: { maskIndex: number } }[] } | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, "planted.json"), "utf8"));
  } catch {
    return undefined;
  }
}
