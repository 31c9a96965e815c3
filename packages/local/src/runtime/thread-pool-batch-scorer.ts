import { availableParallelism } from "node:os";
import type { SearchJob } from "@cds/core/pipeline";
import type { WorkerPayload } from "@cds/core/planning";
import type { BatchScore, BatchScorer } from "@cds/functions";
import { WorkerPool } from "../worker-pool.ts";

/** What each scorer thread is started with. */
export interface BatchScorerThreadInit {
  uploadsFolder: string;
  /** Holds one folder per library (the runtime's root/libraries). */
  librariesFolder: string;
  maskCacheSize?: number;
}

/** Options of {@link threadPoolBatchScorer}. */
export interface ThreadPoolBatchScorerOptions extends BatchScorerThreadInit {
  /** Worker threads (default: os.availableParallelism()). */
  threads?: number;
}

/** A {@link BatchScorer} backed by worker threads; `close()` ends them. */
export interface ThreadPoolBatchScorer extends BatchScorer {
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * The local runtime's scoring port: each `score` call (one worker invocation, one batch) is
 * posted to a pool of worker threads as wide as the machine, so a search uses every core and
 * the main thread stays free for the bus, the upload watcher and webhooks. Each thread keeps,
 * per search, its prepared mask and a shard read buffer (see batch-scorer-thread.ts). A thread
 * that dies fails its batch (the invoker retries it) and is replaced.
 *
 * @example
 * const scorer = threadPoolBatchScorer({ uploadsFolder: "root/uploads", librariesFolder: "root/libraries" });
 * const { matches, scored } = await scorer.score(payload);
 * await scorer.close();
 */
export function threadPoolBatchScorer(options: ThreadPoolBatchScorerOptions): ThreadPoolBatchScorer {
  const { threads = availableParallelism(), ...init } = options;
  const pool = new WorkerPool<WorkerPayload<SearchJob>, BatchScore>(new URL("./batch-scorer-thread.ts", import.meta.url), threads, init satisfies BatchScorerThreadInit);
  return {
    threads: pool.size,
    score: (payload) => pool.run(payload),
    close: () => pool.close(),
  };
}
