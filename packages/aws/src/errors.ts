import { CdsError } from "@cds/core";

/**
 * The base error of the AWS adapters: something an AWS service refused, or a request an
 * adapter would not send because the service would refuse it. Subclasses carry what a
 * caller branches on; the SDK's own error, when there is one, stays as `cause`.
 */
export class AwsAdapterError extends CdsError {
  override name = "AwsAdapterError";
}

/**
 * One event is larger than PutEvents accepts (256 KB, counted as EventBridge counts it), so
 * no batch can carry it. Nothing was sent.
 *
 * @example
 * try { await bus.publish(entries) } catch (e) { if (e instanceof EventTooLargeError) console.error(e.detailType, e.bytes) }
 */
export class EventTooLargeError extends AwsAdapterError {
  override name = "EventTooLargeError";
  readonly source: string;
  readonly detailType: string;
  readonly bytes: number;
  readonly limit: number;
  constructor(event: { source: string; detailType: string }, bytes: number, limit: number) {
    super(`event "${event.detailType}" from ${event.source} is ${bytes} bytes, over the ${limit}-byte limit of a PutEvents entry; nothing was published`);
    this.source = event.source;
    this.detailType = event.detailType;
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** One entry that PutEvents still refused on the last attempt. */
export type FailedEventEntry = {
  /** Position in the entries given to `publish`. */
  index: number;
  source: string;
  detailType: string;
  errorCode: string;
  errorMessage: string;
};

/**
 * Some entries were refused on every attempt. The other entries of the same `publish` call
 * were put on the bus; their ids are in `eventIds` (undefined where the entry failed).
 */
export class PutEventsFailedError extends AwsAdapterError {
  override name = "PutEventsFailedError";
  readonly failed: readonly FailedEventEntry[];
  readonly attempts: number;
  readonly eventIds: readonly (string | undefined)[];
  constructor(failed: readonly FailedEventEntry[], attempts: number, eventIds: readonly (string | undefined)[]) {
    const list = failed.map((f) => `#${f.index} "${f.detailType}" (${f.errorCode}: ${f.errorMessage})`).join("; ");
    super(`EventBridge refused ${failed.length} of ${eventIds.length} events after ${attempts} attempts: ${list}`);
    this.failed = failed;
    this.attempts = attempts;
    this.eventIds = eventIds;
  }
}

/** `invokeAsync` named a function the invoker has no deployed name for. Nothing was sent. */
export class UnknownFunctionError extends AwsAdapterError {
  override name = "UnknownFunctionError";
  readonly functionName: string;
  constructor(functionName: string, known: readonly string[]) {
    super(`no deployed Lambda function is configured for "${functionName}" (configured: ${known.join(", ") || "none"})`);
    this.functionName = functionName;
  }
}

/** A payload is not JSON, or larger than an async invocation may carry. Nothing was sent. */
export class InvocationPayloadError extends AwsAdapterError {
  override name = "InvocationPayloadError";
  readonly functionName: string;
  constructor(functionName: string, message: string, options?: { cause?: unknown }) {
    super(`payload for "${functionName}": ${message}`, options);
    this.functionName = functionName;
  }
}

/** Lambda did not accept an async invocation (an SDK error, an unexpected status or a FunctionError). */
export class InvocationFailedError extends AwsAdapterError {
  override name = "InvocationFailedError";
  readonly functionName: string;
  readonly deployedName: string;
  constructor(functionName: string, deployedName: string, message: string, options?: { cause?: unknown }) {
    super(`invoking "${functionName}" (${deployedName}) failed: ${message}`, options);
    this.functionName = functionName;
    this.deployedName = deployedName;
  }
}

/** SQS handed over a message this queue cannot read (not JSON, or without its receive count). */
export class MalformedQueueMessageError extends AwsAdapterError {
  override name = "MalformedQueueMessageError";
  readonly messageId: string | undefined;
  constructor(messageId: string | undefined, message: string, options?: { cause?: unknown }) {
    super(`SQS message ${messageId ?? "(no id)"}: ${message}`, options);
    this.messageId = messageId;
  }
}

/**
 * A deployed stage's resource could not be found where SST records it (an SSM parameter), so
 * the stage is not deployed in this account and region, or not to this app.
 */
export class StageResourceMissingError extends AwsAdapterError {
  override name = "StageResourceMissingError";
  readonly stage: string;
  /** The SSM parameters that were not there. */
  readonly parameters: readonly string[];
  constructor(stage: string, parameters: readonly string[], hint: string) {
    super(`stage ${stage} has no ${parameters.join(", ")} in SSM Parameter Store: ${hint}`);
    this.stage = stage;
    this.parameters = parameters;
  }
}
