import { join } from "node:path";
import type { BlobStore } from "@cds/core/ports";
import { FolderBlobStore } from "@cds/local";
import { libraryFolder } from "../../options/root.ts";
import type { StateLocation } from "../../options/state.ts";

/**
 * Where `cds submit` sends a submission: the library it reads the manifest of, the uploads it
 * writes masks into (and how they carry their parameters), the state it records the submission
 * in, and where results end up — a local root folder for `cds dev`, or a deployed stage.
 */
export interface SubmissionTarget {
  /** The library's store (its manifest.json tells its size). */
  library: BlobStore;
  uploads: BlobStore;
  /** A sidecar file beside each mask (folder), or the object's metadata (S3). */
  parametersAs: "sidecar" | "metadata";
  state: StateLocation;
  /** A results key as a person finds it: a path under the root, or `s3://<results bucket>/<key>`. */
  resultsAt(key: string): string;
  /** What to say when the library has no manifest: where it was looked for and how to make it. */
  noLibraryMessage: string;
  /** The flags that address this target again in a follow-up command. */
  flags: string;
  /** A note for a submission left running without --wait. */
  runsWhere: string;
  close(): void;
}

/**
 * The target `--root` / `--stage` name. A stage's bucket names come from SST's SSM parameters
 * (or CDS_*_BUCKET); the AWS SDK loads only then, so local submissions stay quick to start.
 *
 * @example
 * const target = await openSubmissionTarget({ root, library: "lm", stage: "lab" });
 * try { … } finally { target.close(); }
 */
export async function openSubmissionTarget(options: { root: string; library: string; stage?: string }): Promise<SubmissionTarget> {
  const { root, library, stage } = options;
  if (!stage) {
    return {
      library: new FolderBlobStore(libraryFolder(root, library)),
      uploads: new FolderBlobStore(join(root, "uploads")),
      parametersAs: "sidecar",
      state: root,
      resultsAt: (key) => join(root, "results", key),
      noLibraryMessage: `no library "${library}" under ${join(root, "libraries")}: index one with \`cds library index <source> --name ${library} --root ${root}\``,
      flags: `--root ${root}`,
      runsWhere: `(\`cds dev --root ${root}\` must be running)`,
      close: () => undefined,
    };
  }
  const buckets = await (await import("@cds/aws/stage-resources")).openStageBuckets(stage);
  const { names } = buckets;
  return {
    library: buckets.library(library),
    uploads: buckets.uploads,
    parametersAs: "metadata",
    state: { stage },
    resultsAt: buckets.resultsUrl,
    noLibraryMessage:
      `no library "${library}" in stage ${stage}'s library bucket (s3://${names.library}/${library}/manifest.json is missing): ` +
      `index one with \`cds library index <source> --name ${library} --to s3://${names.library}\``,
    flags: `--stage ${stage}`,
    runsWhere: `(stage ${stage} runs them)`,
    close: buckets.close,
  };
}
