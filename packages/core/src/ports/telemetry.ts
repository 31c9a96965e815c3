/**
 * Where the pipeline reports numbers about itself: counts (batches scored, throttled requests,
 * retries) and durations (phases). On Lambda it is CloudWatch's embedded metric format
 * (`@cds/aws`); locally and in tests, nothing. Names are free, but the ones in
 * {@link telemetryMetrics} are the ones the stage's dashboard graphs.
 *
 * @example
 * deps.telemetry?.count(telemetryMetrics.writeRetries);
 * deps.telemetry?.duration("ScoreDuration", performance.now() - started);
 */
export interface Telemetry {
  /** Adds `n` (default 1) to a count. */
  count(name: string, n?: number): void;
  /** Records one duration, in milliseconds. */
  duration(name: string, ms: number): void;
}

/**
 * The metrics the pipeline emits and the stage's dashboard graphs (stacks/Monitoring.ts). Each
 * is emitted per phase (the Lambda entry: intake, worker, …), as the `phase` dimension.
 */
export const telemetryMetrics = {
  /** One per invocation: how long the handler ran (ms), cold or warm. */
  phaseDuration: "PhaseDuration",
  /** One per container: its first invocation. */
  coldStarts: "ColdStarts",
  /** Worker invocations that scored and recorded their batch. */
  batchesScored: "BatchesScored",
  /** DynamoDB requests answered with a throttling error, counted per attempt. */
  dynamoDbThrottles: "DynamoDBThrottles",
  /** DynamoDB attempts the SDK made again (throttles and transient errors). */
  dynamoDbRetries: "DynamoDBRetries",
  /** S3 requests answered with SlowDown / 503, per attempt. */
  s3Throttles: "S3Throttles",
  s3Retries: "S3Retries",
  /** Lambda Invoke calls (the dispatch tree) refused with TooManyRequests, per attempt. */
  lambdaThrottles: "LambdaThrottles",
  lambdaRetries: "LambdaRetries",
  /** Writes the state store tried again itself, after the SDK's own attempts (jittered backoff). */
  writeRetries: "WriteRetries",
} as const;
