import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import type { EventPattern as CdkEventPattern, IEventBus } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { eventRules } from "@cds/events";
import type { EventPattern, RuleBus, RuleTarget } from "@cds/events";
import { EventBus, Queue, use } from "sst/constructs";
import type { Function, StackContext } from "sst/constructs";
import { Pipeline } from "./Pipeline.ts";
import { searchBusName } from "./resource-names.ts";
import { stageLifetime } from "./stage-lifetime.ts";
import { Storage } from "./Storage.ts";

/** How often the sweeper looks for searches whose batches went missing. */
export const SWEEP_INTERVAL = Duration.minutes(1);

/**
 * The search-event bus and one rule per entry of the `events/` rule list (the list the local bus
 * reads too), plus the sweeper's schedule. Every target retries and dead-letters what EventBridge
 * could not deliver.
 *
 * @example
 * const { bus, deadLetters } = use(Events);
 */
export function Events({ stack, app }: StackContext) {
  const { uploadsBucket } = use(Storage);
  const { functions } = use(Pipeline);
  const { removalPolicy } = stageLifetime(app);

  // The name is fixed (not generated) because the Pipeline's functions, deployed before this
  // stack, put events on it by that name.
  const bus = new EventBus(stack, "SearchEvents", { cdk: { eventBus: { eventBusName: searchBusName(app) } } });

  // Events EventBridge could not hand to Lambda (throttled past the retry window, function
  // deleted, permission missing): kept 14 days for a person to replay.
  const deadLetters = new Queue(stack, "UndeliveredEvents", {
    cdk: { queue: { enforceSSL: true, encryption: QueueEncryption.SQS_MANAGED, removalPolicy, retentionPeriod: Duration.days(14) } },
  });
  const target = (fn: Function, maxEventAge: Duration) =>
    new LambdaFunction(fn, { deadLetterQueue: deadLetters.cdk.queue, retryAttempts: 8, maxEventAge });

  // A target added to events/ without a function here fails type-checking.
  const targets: Record<RuleTarget, Function> = {
    intake: functions.intake,
    admission: functions.admission,
    combiner: functions.combiner,
    "submission-tracking": functions["submission-tracking"],
    notify: functions.notify,
  };
  // S3 delivers its events to the default bus only; a rule without a bus lives there.
  const buses: Record<RuleBus, IEventBus | undefined> = { default: undefined, search: bus.cdk.eventBus };

  const rules: Record<string, Rule> = {};
  for (const rule of eventRules({ uploadBucketName: uploadsBucket.bucketName })) {
    rules[rule.name] = new Rule(stack, rule.name, {
      ruleName: app.logicalPrefixedName(rule.name),
      description: rule.description,
      eventBus: buses[rule.bus],
      eventPattern: cdkEventPattern(rule.pattern),
      targets: [target(targets[rule.target], Duration.hours(1))],
    });
  }

  const sweepSchedule = new Rule(stack, "sweep-schedule", {
    ruleName: app.logicalPrefixedName("sweep-schedule"),
    description: "Every minute: re-run the batches of running searches that went missing, finish searches past their deadline.",
    schedule: Schedule.rate(SWEEP_INTERVAL),
    // A sweep that could not start within a minute is replaced by the next one.
    targets: [target(functions.sweeper, Duration.minutes(1))],
  });

  stack.addOutputs({ SearchEventBus: bus.eventBusName });

  return { bus, deadLetters, rules, sweepSchedule };
}

/**
 * The `events/` pattern as CDK's EventPattern type spells it. CDK renders `detailType` back as
 * `detail-type` and copies every other field as it is, so the deployed pattern is the catalog's.
 */
function cdkEventPattern(pattern: EventPattern): CdkEventPattern {
  return Object.fromEntries(Object.entries(pattern).map(([field, value]) => [field === "detail-type" ? "detailType" : field, value])) as CdkEventPattern;
}
