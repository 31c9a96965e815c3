import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { telemetryMetrics } from "@cds/core/ports";
import { use } from "sst/constructs";
import type { StackContext } from "sst/constructs";
import { Events } from "./Events.ts";
import { lambdaEntries, Pipeline, type LambdaEntry } from "./Pipeline.ts";
import { metricsNamespace } from "./resource-names.ts";
import { State } from "./State.ts";

/** The period alarms look at: short enough to page within minutes, long enough to sum a burst. */
const ALARM_PERIOD = Duration.minutes(5);

/** The dashboard's resolution: a search lasts seconds to minutes. */
const GRAPH_PERIOD = Duration.minutes(1);

/** What each alarm watches, by kind, for the tests and the README. */
export type AlarmKind = "dead-letters" | "function-errors" | "function-throttles" | "table-read-throttles" | "table-write-throttles";

/**
 * The stage's alarms and its dashboard. Every alarm goes to one SNS topic (an email
 * subscription when `CDS_ALARM_EMAIL` is set for the deploy) and fires on the first occurrence:
 * each watches something that is zero when the pipeline is healthy.
 *
 * - a message in any dead-letter queue (undelivered events, failed invocations, webhooks out
 *   of attempts): work that will not happen unless a person redrives it;
 * - any error or throttle of any function (Lambda's Errors and Throttles): a bug or an outage,
 *   or a reservation / budget too small for the load;
 * - any read or write throttle on the state table or one of its indexes: a hot key, or on-demand
 *   capacity not yet grown to a burst.
 *
 * @example
 * const { alarms, dashboard, topic } = use(Monitoring);
 */
export function Monitoring({ stack, app }: StackContext) {
  const { functions, webhookDeadLetters, failedInvocations, concurrency } = use(Pipeline);
  const { deadLetters: undeliveredEvents } = use(Events);
  const { table, indexNames } = use(State);

  const topic = new Topic(stack, "Alarms", { displayName: `${app.logicalPrefixedName("alarms")}`, enforceSSL: true });
  const alarmEmail = process.env.CDS_ALARM_EMAIL?.trim();
  if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
  const notify = new SnsAction(topic);

  const alarms: { kind: AlarmKind; alarm: Alarm }[] = [];
  function alarmOn(kind: AlarmKind, id: string, metric: IMetric, description: string): Alarm {
    const alarm = new Alarm(stack, id, {
      alarmName: app.logicalPrefixedName(id),
      alarmDescription: description,
      metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No data is no messages, no errors, no throttles.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
    alarms.push({ kind, alarm });
    return alarm;
  }

  const queues: Record<string, { queue: IQueue; what: string }> = {
    UndeliveredEvents: { queue: undeliveredEvents.cdk.queue, what: "events EventBridge could not hand to their function" },
    FailedInvocations: { queue: failedInvocations.cdk.queue, what: "invocations of notify, the sweeper or on-failure that failed every retry" },
    WebhookDeadLetters: { queue: webhookDeadLetters.cdk.queue, what: "webhook deliveries out of attempts" },
  };
  for (const [name, { queue, what }] of Object.entries(queues)) {
    alarmOn(
      "dead-letters",
      `${name}Alarm`,
      queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", period: ALARM_PERIOD }),
      `${name} holds ${what}: read them, fix the cause, redrive (README "Concurrency and alarms").`,
    );
  }

  for (const entry of lambdaEntries) {
    const fn = functions[entry];
    const id = pascal(entry);
    alarmOn("function-errors", `${id}ErrorsAlarm`, fn.metricErrors({ statistic: "Sum", period: ALARM_PERIOD }), `${entry} failed an invocation: its logs say why (level ERROR, "invocation failed").`);
    alarmOn(
      "function-throttles",
      `${id}ThrottlesAlarm`,
      fn.metricThrottles({ statistic: "Sum", period: ALARM_PERIOD }),
      `${entry} was throttled: its reserved concurrency, the worker budget or the account's quota is too small for the load.`,
    );
  }

  // The table and each index: DynamoDB reports an index's throttles under its own dimension.
  const tableScopes: { id: string; label: string; dimensions: Record<string, string> }[] = [
    { id: "Table", label: "table", dimensions: { TableName: table.tableName } },
    ...indexNames.map((index) => ({ id: pascal(index), label: `index ${index}`, dimensions: { TableName: table.tableName, GlobalSecondaryIndexName: index } })),
  ];
  const dynamo = (metricName: string, dimensions: Record<string, string>, statistic: string, period: Duration, label?: string) =>
    new Metric({ namespace: "AWS/DynamoDB", metricName, dimensionsMap: dimensions, statistic, period, label });
  for (const scope of tableScopes) {
    for (const [kind, metricName] of [
      ["table-read-throttles", "ReadThrottleEvents"],
      ["table-write-throttles", "WriteThrottleEvents"],
    ] as const) {
      alarmOn(
        kind,
        `State${scope.id}${metricName}Alarm`,
        dynamo(metricName, scope.dimensions, "Sum", ALARM_PERIOD),
        `DynamoDB throttled ${metricName === "ReadThrottleEvents" ? "reads" : "writes"} on the state ${scope.label}: a hot key, or a burst past on-demand capacity.`,
      );
    }
  }

  const dashboard = new Dashboard(stack, "Dashboard", {
    dashboardName: app.logicalPrefixedName("pipeline"),
    defaultInterval: Duration.hours(3),
  });
  const perFunction = (title: string, metricOf: (entry: LambdaEntry) => IMetric, extra: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {}) =>
    new GraphWidget({ title, width: 12, left: lambdaEntries.map(metricOf), ...extra });
  const lambda = (entry: LambdaEntry, metricName: string, statistic: string) =>
    functions[entry].metric(metricName, { statistic, period: GRAPH_PERIOD, label: entry });

  const namespace = metricsNamespace(app);
  const custom = (metricName: string, phase: LambdaEntry, statistic: string, label: string = phase) =>
    new Metric({ namespace, metricName, dimensionsMap: { service: app.name, phase }, statistic, period: GRAPH_PERIOD, label });
  // Throttles and retries come from every phase that talks to the service: one search per metric
  // (its phases as lines) rather than a line per phase that may never emit it.
  const acrossPhases = (metricName: string) =>
    new MathExpression({
      expression: `SEARCH('{${namespace},service,phase} MetricName="${metricName}"', 'Sum', ${GRAPH_PERIOD.toSeconds()})`,
      label: metricName,
      usingMetrics: {},
      period: GRAPH_PERIOD,
    });

  dashboard.addWidgets(
    new TextWidget({
      markdown: `# ${app.logicalPrefixedName("pipeline")}\nWorker budget **${concurrency.workerBudget}** of **${concurrency.accountConcurrency}** concurrent executions; **${concurrency.reservedTotal}** reserved for the control functions. Alarms: SNS topic \`${app.logicalPrefixedName("alarms")}\`.`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(new AlarmStatusWidget({ title: "Alarms", alarms: alarms.map(({ alarm }) => alarm), width: 24, height: 4 }));
  dashboard.addWidgets(
    perFunction("Invocations", (entry) => lambda(entry, "Invocations", "Sum")),
    perFunction("Errors", (entry) => lambda(entry, "Errors", "Sum")),
  );
  dashboard.addWidgets(
    perFunction("Throttles", (entry) => lambda(entry, "Throttles", "Sum")),
    perFunction("Duration (p99, ms)", (entry) => lambda(entry, "Duration", "p99")),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Concurrent executions",
      width: 12,
      left: [
        ...(["worker", "dispatch-node"] as const).map((entry) => lambda(entry, "ConcurrentExecutions", "Maximum")),
        new Metric({ namespace: "AWS/Lambda", metricName: "ConcurrentExecutions", statistic: "Maximum", period: GRAPH_PERIOD, label: "account" }),
        // The pool the workers and tree nodes share with the account's other unreserved functions.
        new Metric({ namespace: "AWS/Lambda", metricName: "UnreservedConcurrentExecutions", statistic: "Maximum", period: GRAPH_PERIOD, label: "account, unreserved" }),
      ],
      leftAnnotations: [
        { value: concurrency.workerBudget, label: "CDS_WORKER_BUDGET" },
        { value: concurrency.accountConcurrency - concurrency.reservedTotal, label: "unreserved pool" },
        { value: concurrency.accountConcurrency, label: "account quota" },
      ],
    }),
    new GraphWidget({
      title: "Dead-letter queues (messages)",
      width: 12,
      left: Object.entries(queues).map(([name, { queue }]) => queue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", period: GRAPH_PERIOD, label: name })),
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "DynamoDB consumed capacity (units)",
      width: 12,
      left: tableScopes.flatMap((scope) => [
        dynamo("ConsumedReadCapacityUnits", scope.dimensions, "Sum", GRAPH_PERIOD, `${scope.label} read`),
        dynamo("ConsumedWriteCapacityUnits", scope.dimensions, "Sum", GRAPH_PERIOD, `${scope.label} write`),
      ]),
    }),
    new GraphWidget({
      title: "DynamoDB throttled requests",
      width: 12,
      left: tableScopes.flatMap((scope) => [
        dynamo("ReadThrottleEvents", scope.dimensions, "Sum", GRAPH_PERIOD, `${scope.label} read`),
        dynamo("WriteThrottleEvents", scope.dimensions, "Sum", GRAPH_PERIOD, `${scope.label} write`),
      ]),
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Batches scored",
      width: 12,
      left: [custom(telemetryMetrics.batchesScored, "worker", "Sum", "batches scored")],
      right: [custom(telemetryMetrics.phaseDuration, "worker", "p99", "worker p99 (ms)")],
    }),
    perFunction("Phase duration (average, ms)", (entry) => custom(telemetryMetrics.phaseDuration, entry, "Average")),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: "Throttled requests seen by the functions (per attempt)",
      width: 12,
      left: [telemetryMetrics.dynamoDbThrottles, telemetryMetrics.s3Throttles, telemetryMetrics.lambdaThrottles].map(acrossPhases),
    }),
    new GraphWidget({
      title: "Retries (SDK attempts after the first; the store's own retries)",
      width: 12,
      left: [telemetryMetrics.dynamoDbRetries, telemetryMetrics.s3Retries, telemetryMetrics.lambdaRetries, telemetryMetrics.writeRetries].map(acrossPhases),
    }),
  );
  dashboard.addWidgets(perFunction("Cold starts", (entry) => custom(telemetryMetrics.coldStarts, entry, "Sum"), { width: 24 }));

  stack.addOutputs({ AlarmTopic: topic.topicArn, Dashboard: dashboard.dashboardName });
  return { alarms, dashboard, topic };
}

/** `webhook-delivery` → `WebhookDelivery`, for construct ids. */
function pascal(name: string): string {
  return name.replace(/(^|[-_])(\w)/g, (_, _sep: string, c: string) => c.toUpperCase());
}
