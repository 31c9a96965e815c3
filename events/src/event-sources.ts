/** The `source` of every event this project emits. */
export const searchEventSource = "cds.search";

/** The `source` S3 gives the events it sends to EventBridge (uploads arrive this way). */
export const s3EventSource = "aws.s3";
