import type { DynamoLimits, EventBridgeLimits, Range, S3Limits } from "./aws-services.ts";
import type { LambdaLimits } from "./lambda-service.ts";

/** What the calibration measured (or `--batch-ms` and friends overrode). */
export interface Calibration {
  /** The worker's scoring, ms per target, one core (inProcessBatchScorer on a cached shard). */
  msPerTarget: number;
  /** Preparing the mask once per environment and search, ms. */
  maskPrepareMs: number;
  /** Bytes of shard a batch reads, per target. */
  shardBytesPerTarget: number;
  /** The uploaded mask, bytes. */
  maskBytes: number;
  /** One entry of the shard table as JSON, bytes (key, start, count, bytes). */
  shardEntryBytes: number;
  /** Bytes of the real library descriptor (`manifest.json`, format 2) per shard, measured on a 10,000-shard library. */
  descriptorBytesPerShard: number;
  /** JSON.parse speed, MB/s (payloads, manifests). */
  jsonParseMegabytesPerSecond: number;
  /** Today's stored batch result, bytes per match (encodeMatches: item metadata inline). */
  storedBytesPerMatch: number;
  /** The job (search id, mask key, parameters, top) as JSON, without the shard table, bytes. */
  jobBytes: number;
  /** A shard key as JSON, bytes. */
  shardKeyBytes: number;
  /** Matches per batch the calibration mask kept (for information). */
  measuredMatchesPerBatch: number;
  source: string;
}

/** Everything a run of the model depends on; each default says where it comes from. */
export interface ModelOptions {
  design: "before" | "after";
  seed: string;
  lambda: LambdaLimits;
  dynamo: DynamoLimits;
  s3: S3Limits;
  events: EventBridgeLimits;
  /** Init of a new environment per function, ms. */
  initMs: Record<FunctionName, number>;
  calibration: Calibration;
  /** Matches each batch stores (the worst case of issue 10 is 100). */
  matchesPerBatch: number;
  /** Matches a search keeps (maxResultsPerMask). */
  top: number;
  /** Today's manifest, bytes per target (issue 10: 17 MB at 50k, ~110 MB at 300k). */
  manifestBytesPerTarget: number;
  /** Today's search item (parameters, counters, status), bytes; it is also in the byStatus GSI. */
  searchItemBytes: number;
  /** Before: searches running at once (CDS_MAX_RUNNING, default 4). */
  maxRunning: number;
  /** After: workers in flight (CDS_WORKER_BUDGET). */
  workerBudget: number;
  /** After: the worker's own retries of a throttled write. */
  afterRetries: { attempts: number; baseMs: number; capMs: number };
  /** After: reserved concurrency of the control functions. */
  reserved: Partial<Record<FunctionName, number>>;
  /** After: one shard's entry in the layout document, bytes (default: today's JSON entry, measured). */
  layoutEntryBytes: number;
  /** After: a metadata chunk holds this many items' metadata (the combiner reads the chunks of kept matches). */
  metadataChunkItems: number;
  /** The sweeper's period and the search deadline, ms. */
  sweepEveryMs: number;
  deadlineMs: number;
  /** Requests one process keeps in flight (the SDK's maxSockets 50). */
  maxSockets: number;
  /** Lambda CPU relative to this machine's core (1,769 MB = one vCPU). */
  cpuFactor: number;
}

export type FunctionName = "intake" | "dispatch" | "dispatcher" | "worker" | "combiner" | "sweeper";
export const FUNCTION_NAMES: readonly FunctionName[] = ["intake", "dispatch", "dispatcher", "worker", "combiner", "sweeper"];

/** Timeouts as stacks/Pipeline.ts sizes the functions, ms. */
export const FUNCTION_TIMEOUT_MS: Record<FunctionName, number> = {
  intake: 30_000,
  dispatch: 30_000,
  dispatcher: 60_000,
  worker: 30_000,
  combiner: 120_000,
  sweeper: 120_000,
};
/** Memory as stacks/Pipeline.ts sizes the functions, MB. */
export const FUNCTION_MEMORY_MB: Record<FunctionName, number> = {
  intake: 1024,
  dispatch: 1024,
  dispatcher: 1024,
  worker: 1769,
  combiner: 1769,
  sweeper: 1769,
};

export const HARD_LIMITS = {
  /** Lambda Invoke, InvocationType Event: 1 MB (raised from 256 KB, which InvokeAsync and an EventBridge entry keep). */
  asyncPayloadBytes: 1_000_000,
  legacyAsyncPayloadBytes: 256 * 1024,
  /** Lambda's longest timeout. */
  lambdaMaxMs: 15 * 60_000,
  /** A DynamoDB item. */
  itemBytes: 400 * 1024,
  /** V8's longest string (Node 22): (2^29 − 24) one-byte characters. */
  maxStringChars: 2 ** 29 - 24,
  /** Issue 10's budgets for the new design. */
  payloadBudgetBytes: 8 * 1024,
  libraryReadBudgetBytes: 1_000_000,
  writesPerKeyBudget: 64,
} as const;

export type { Range };
