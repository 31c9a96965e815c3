import type { Command } from "commander";
import { resolve } from "node:path";
import { writeSyntheticFiles, type SyntheticFiles } from "@cds/local";
import type { Io } from "../../io.ts";
import { progressBar } from "../../output/progress.ts";
import { positiveInteger } from "../library/index.ts";

interface SynthOptions {
  count: string;
  masks: string;
  planted: string;
  seed: string;
}

export function registerSynthCommand(program: Command, io: Io): void {
  program
    .command("synth")
    .description("write a synthetic CDM library (targets, masks and the planted answer) for demos and tests")
    .argument("<dir>", "folder to write targets/, masks/ and planted.json into")
    .option("--count <n>", "number of target images", "2000")
    .option("--masks <n>", "number of masks whose neurons are planted in targets", "3")
    .option("--planted <n>", "targets carrying each mask's neuron (shifted and/or mirrored)", "2")
    .option("--seed <text>", "generator seed (same seed, same images)", "demo")
    .action(async (dir: string, options: SynthOptions) => {
      await synthCommand(dir, options, io);
    });
}

export async function synthCommand(dir: string, options: SynthOptions, io: Io): Promise<SyntheticFiles> {
  const spec = {
    seed: options.seed,
    count: positiveInteger("--count", options.count),
    masks: positiveInteger("--masks", options.masks),
    plantedPerMask: positiveInteger("--planted", options.planted),
  };
  const bar = progressBar(io, "generating");
  const started = performance.now();
  const files = await writeSyntheticFiles(resolve(io.cwd, dir), spec, { onProgress: (done, total) => bar.update(done, total) });
  bar.finish();
  io.out(
    `wrote ${spec.count.toLocaleString("en-US")} synthetic targets to ${files.targets} and ${files.masks.length} masks ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s); planted.json lists the targets each mask should find`,
  );
  return files;
}
