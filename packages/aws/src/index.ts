export { createDynamoDocumentClient, type DynamoDocumentClientOptions } from "./dynamodb-document-client.ts";
export {
  AwsAdapterError,
  EventTooLargeError,
  type FailedEventEntry,
  InvocationFailedError,
  InvocationPayloadError,
  MalformedQueueMessageError,
  PutEventsFailedError,
  StageResourceMissingError,
  UnknownFunctionError,
} from "./errors.ts";
export {
  EventBridgePublisher,
  type EventBridgePublisherOptions,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  putEventsEntrySize,
} from "./eventbridge-publisher.ts";
export { ASYNC_INVOKE_MAX_PAYLOAD_BYTES, LambdaInvoker, type LambdaInvokerOptions } from "./lambda-invoker.ts";
export { MULTIPART_THRESHOLD, S3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store.ts";
export { createS3Client, libraryPrefix, libraryStore } from "./s3-client.ts";
export { SesMailer, type SesMailerOptions } from "./ses-mailer.ts";
export {
  receivedMessageFromSqsRecord,
  SQS_MAX_DELAY_SECONDS,
  SqsDeliveryQueue,
  type SqsDeliveryQueueOptions,
  type SqsEventRecord,
} from "./sqs-delivery-queue.ts";
