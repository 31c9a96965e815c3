import type { EventPattern } from "./event-pattern.ts";
import { objectCreated } from "./object-created.ts";
import { searchAccepted } from "./search-accepted.ts";
import { searchBatchesCompleted } from "./search-batches-completed.ts";
import { searchCompleted } from "./search-completed.ts";
import { searchFailed } from "./search-failed.ts";
import { submissionCompleted } from "./submission-completed.ts";

/**
 * The functions a rule can route to; each is one handler in `packages/functions`. `admission`
 * starts accepted searches only while fewer than the limit run, and admits the next waiting ones
 * when a search ends; `submission-tracking` records a finished search in its submission.
 */
export const ruleTargets = ["intake", "admission", "combiner", "submission-tracking", "notify"] as const;

/** A function a rule can route to. */
export type RuleTarget = (typeof ruleTargets)[number];

/**
 * The bus a rule lives on in AWS: S3 delivers its events only to the account's `default` bus;
 * the pipeline's own events go on the project's `search` bus. Locally one bus carries both.
 */
export type RuleBus = "default" | "search";

/** One EventBridge rule: events matching `pattern` are sent to `target`. */
export interface EventRule {
  /** Kebab-case, unique; stacks derive resource names from it. */
  readonly name: string;
  /** What the rule is for, in a sentence (becomes the rule's description in AWS). */
  readonly description: string;
  readonly bus: RuleBus;
  readonly pattern: EventPattern;
  readonly target: RuleTarget;
}

/** What differs between deployments and so cannot be written into the rules. */
export interface EventRulesConfig {
  /**
   * The upload bucket's name (locally, the name the watched folder reports; in a stack, the
   * bucket's name token). Only uploads to it start a search.
   */
  readonly uploadBucketName: string;
}

/** Key endings of the mask images intake can decode (PNG, TIFF, JPEG). */
export const maskImageSuffixes = [".png", ".tif", ".tiff", ".jpg", ".jpeg"] as const;

/** Key ending of a mask's parameter sidecar (`<mask file name>.json`), which is not a mask. */
export const sidecarSuffix = ".json";

/**
 * Every rule of the pipeline, in one list that the SST stacks and the local bus both loop over,
 * so the two cannot diverge. Detail-types and sources come from the catalog entries.
 *
 * @example
 * for (const rule of eventRules({ uploadBucketName: uploads.bucketName })) {
 *   new Rule(stack, rule.name, { eventBus: buses[rule.bus], eventPattern: rule.pattern, description: rule.description });
 * }
 */
export function eventRules(config: EventRulesConfig): readonly EventRule[] {
  // A pattern head that matches exactly these catalog events (their sources and detail-types).
  const ofEvents = (...entries: { source: string; detailType: string }[]) => ({
    source: [...new Set(entries.map((entry) => entry.source))],
    "detail-type": entries.map((entry) => entry.detailType),
  });
  return [
    {
      name: "mask-uploaded",
      description: "A mask image landed in the upload bucket: validate it and accept or refuse the search.",
      bus: "default",
      target: "intake",
      pattern: {
        ...ofEvents(objectCreated),
        detail: {
          bucket: { name: [config.uploadBucketName] },
          // Every upload but a parameter sidecar reaches intake, so that a file that is not an
          // image (a .bmp, a text file) ends as "Search Failed" with the reason, not in silence.
          object: { key: [{ "anything-but": { suffix: sidecarSuffix } }] },
        },
      },
    },
    {
      name: "search-accepted",
      description: "A search was accepted: start it (plan its batches, start the dispatch tree) when a running slot is free, else queue it.",
      bus: "search",
      target: "admission",
      pattern: ofEvents(searchAccepted),
    },
    {
      name: "search-batches-completed",
      description: "The completion rule: the last batch of a search was persisted, so combine the batch results.",
      bus: "search",
      target: "combiner",
      pattern: ofEvents(searchBatchesCompleted),
    },
    {
      name: "search-finished",
      description: "A search completed or failed: tell its webhook subscribers and the submitter.",
      bus: "search",
      target: "notify",
      pattern: ofEvents(searchCompleted, searchFailed),
    },
    {
      name: "search-slot-freed",
      description: "A search completed or failed: free its running slot and start the searches waiting longest.",
      bus: "search",
      target: "admission",
      pattern: ofEvents(searchCompleted, searchFailed),
    },
    {
      name: "submission-progress",
      description: "A search completed or failed: record it in its submission and, when it was the last, write the submission's summary.",
      bus: "search",
      target: "submission-tracking",
      pattern: ofEvents(searchCompleted, searchFailed),
    },
    {
      name: "submission-completed",
      description: "A submission's last search ended and its summary is written: tell webhook subscribers and the submitter.",
      bus: "search",
      target: "notify",
      pattern: ofEvents(submissionCompleted),
    },
  ];
}
