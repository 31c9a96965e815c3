import type { LibraryManifest } from "@cds/core/library";
import type { BlobStore } from "@cds/core/ports";
import { readShapeLibraryInfo } from "@cds/core/shape";
import type { Io } from "../../io.ts";

/** One line on what `--with-shape` stored: how many targets, what it costs per target, where the images came from. */
export async function reportShapeData(store: BlobStore, manifest: LibraryManifest, io: Io): Promise<void> {
  const info = await readShapeLibraryInfo(store, manifest.buildId);
  if (!info) return;
  const files = info.gradientFiles + info.zgapFiles > 0 ? `; ${info.gradientFiles} gradients and ${info.zgapFiles} zgaps from grad/ and zgap/ files, the rest by the recipes` : "; gradients and zgaps by the recipes";
  io.out(
    `shape data for ${info.targets.toLocaleString("en-US")} targets: ${Math.round(info.bytes / Math.max(1, info.targets) / 1024)} KiB per target ` +
      `(gradient, zgap radius ${info.zgapRadius}, signal at threshold ${info.threshold})${files}`,
  );
}
