import { PolicyStatement } from "aws-cdk-lib/aws-iam";

// The IAM statements the pipeline's functions are built from, one per kind of access, each
// naming its actions and resources. Grants are written out rather than taken from SST's
// `bind` (a bare bind gives `s3:*` on a bucket, `sqs:*` on a queue) or CDK's `grant*`
// (`s3:GetObject*`, `s3:List*`, `dynamodb:Scan`, …): a reviewer reads here exactly what a
// function may do, and the stack tests check it.

/**
 * Write a function's logs to its own log group. Replaces the AWS managed
 * AWSLambdaBasicExecutionRole, which allows creating and writing any log group (`Resource: *`).
 */
export function writeLogs(logGroup: { readonly logGroupArn: string }): PolicyStatement[] {
  return [new PolicyStatement({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logGroup.logGroupArn] })];
}

/** A bucket as the statements need it. */
export interface BucketArns {
  readonly bucketArn: string;
}

/**
 * Read objects and list the bucket. Listing matters beyond the library's raw folders: without
 * `s3:ListBucket`, S3 answers a GET of a missing key (a mask's optional sidecar) with 403, not 404.
 */
export function readObjects(bucket: BucketArns): PolicyStatement[] {
  return [
    new PolicyStatement({ actions: ["s3:GetObject"], resources: [`${bucket.bucketArn}/*`] }),
    new PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
  ];
}

/** Write objects, including multipart uploads (results over 64 MiB) and their abort on failure. */
export function writeObjects(bucket: BucketArns): PolicyStatement[] {
  return [new PolicyStatement({ actions: ["s3:PutObject", "s3:AbortMultipartUpload"], resources: [`${bucket.bucketArn}/*`] })];
}

/**
 * The state store's operations (ElectroDB get/put/patch/delete and queries) on the state table
 * and its indexes; no scans, batches or transactions: the store uses none.
 */
export function useStateTable(table: { readonly tableArn: string }, indexNames: readonly string[]): PolicyStatement[] {
  return [
    new PolicyStatement({
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
      resources: [table.tableArn, ...indexNames.map((name) => `${table.tableArn}/index/${name}`)],
    }),
  ];
}

/** Put events on one bus. */
export function putEvents(busArn: string): PolicyStatement[] {
  return [new PolicyStatement({ actions: ["events:PutEvents"], resources: [busArn] })];
}

/** Invoke the named functions (asynchronously: the dispatch tree). */
export function invokeFunctions(functionArns: readonly string[]): PolicyStatement[] {
  return [new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [...functionArns] })];
}

/** Send messages (with a delay, for webhook backoff) to the queues. */
export function sendMessages(queues: readonly { readonly queueArn: string }[]): PolicyStatement[] {
  return [new PolicyStatement({ actions: ["sqs:SendMessage"], resources: queues.map((queue) => queue.queueArn) })];
}

/** Send email (SES v2 `SendEmail`) as one identity. */
export function sendEmail(identityArn: string): PolicyStatement[] {
  return [new PolicyStatement({ actions: ["ses:SendEmail"], resources: [identityArn] })];
}
