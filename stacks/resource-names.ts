import { ArnFormat, Stack } from "aws-cdk-lib";
import type { App } from "sst/constructs";

// Physical names that one stack must know before another creates the resource. Passing the
// construct would make CloudFormation references that run in a circle: the dispatcher invokes
// itself, and the functions that put events on the bus are the targets of the bus's rules.

/**
 * The stage's custom bus for search events (the `search` bus of the `events/` rules).
 *
 * @example
 * searchBusName(app); // "dev-cdm-search-search-events"
 */
export function searchBusName(app: Pick<App, "logicalPrefixedName">): string {
  return app.logicalPrefixedName("search-events");
}

/**
 * ARN of the bus named {@link searchBusName} in the stack's account and region.
 *
 * @example
 * new PolicyStatement({ actions: ["events:PutEvents"], resources: [searchBusArn(stack, app)] });
 */
export function searchBusArn(stack: Stack, app: Pick<App, "logicalPrefixedName">): string {
  return stack.formatArn({ service: "events", resource: "event-bus", resourceName: searchBusName(app) });
}

/**
 * A pipeline function's deployed name, from its logical name (`functionNames` of @cds/functions, or
 * the handler's file name).
 *
 * @example
 * pipelineFunctionName(app, "search-worker"); // "dev-cdm-search-search-worker"
 */
export function pipelineFunctionName(app: Pick<App, "logicalPrefixedName">, logicalName: string): string {
  return app.logicalPrefixedName(logicalName);
}

/**
 * ARN of the function with that deployed name, unqualified (what `lambda:InvokeFunction` checks).
 *
 * @example
 * lambdaFunctionArn(stack, pipelineFunctionName(app, "search-worker"));
 */
export function lambdaFunctionArn(stack: Stack, functionName: string): string {
  return stack.formatArn({ service: "lambda", resource: "function", resourceName: functionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * The CloudWatch namespace of the stage's own metrics (the functions' embedded metric format),
 * one per stage so that stages in one account do not add up.
 *
 * @example
 * metricsNamespace(app); // "cdm-search/dev"
 */
export function metricsNamespace(app: Pick<App, "name" | "stage">): string {
  return `${app.name}/${app.stage}`;
}
