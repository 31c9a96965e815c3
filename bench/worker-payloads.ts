import { layoutOf, readDescriptor, type LibraryManifest } from "@cds/core/library";
import type { SearchJob } from "@cds/core/pipeline";
import {
  batchSourceOf,
  librarySources,
  planBatches,
  planBatchRule,
  planDispatchTree,
  type BatchRange,
  type WorkerPayload,
} from "@cds/core/planning";
import type { BlobStore } from "@cds/core/ports";

/**
 * A whole library's batches, and the worker payload of each, as leaf dispatchers build them: for
 * benches that call a worker's scorer directly, batch by batch.
 *
 * @example
 * const { plan, payloadOf } = await libraryWorkerPayloads(store, manifest, job);
 * await scorer.score(payloadOf(plan.batches[0]));
 */
export async function libraryWorkerPayloads(store: BlobStore, manifest: LibraryManifest, job: Omit<SearchJob, "library"> & { libraryName: string }) {
  const layout = layoutOf(manifest);
  const plan = planBatches(layout);
  const descriptor = await readDescriptor(store);
  const sources = librarySources([{ library: job.libraryName, source: batchSourceOf(descriptor, planBatchRule(descriptor)) }]);
  const tree = planDispatchTree(plan.batches.length);
  const { libraryName, ...rest } = job;
  const fullJob: SearchJob = { ...rest, library: { name: libraryName, width: layout.width, height: layout.height, count: layout.count } };
  const payloadOf = (batch: BatchRange): WorkerPayload<SearchJob> => ({
    batch,
    library: job.libraryName,
    shards: layout.shards.filter((s) => s.start < batch.end && s.start + s.count > batch.start),
    tree,
    sources,
    job: fullJob,
  });
  return { layout, plan, job: fullJob, payloadOf };
}
