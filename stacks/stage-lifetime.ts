import { RemovalPolicy } from "aws-cdk-lib";
import type { App } from "sst/constructs";

/** The one stage whose data outlives its stack. */
export const PRODUCTION_STAGE = "prod";

/** How long a stage's stateful resources (buckets, the table, queues) live. */
export interface StageLifetime {
  readonly isProduction: boolean;
  /** RETAIN on prod, DESTROY elsewhere. */
  readonly removalPolicy: RemovalPolicy;
  /** Whether a bucket empties itself when its stack is removed (never on prod). */
  readonly autoDeleteObjects: boolean;
}

/**
 * Losing the image library, users' results or the search records in prod must need a human;
 * any other stage is disposable and must tear down cleanly with `sst remove`.
 *
 * @example
 * const { removalPolicy } = stageLifetime(app);
 * new Queue(stack, "DeadLetters", { cdk: { queue: { removalPolicy } } });
 */
export function stageLifetime(app: Pick<App, "stage">): StageLifetime {
  const isProduction = app.stage === PRODUCTION_STAGE;
  return isProduction
    ? { isProduction, removalPolicy: RemovalPolicy.RETAIN, autoDeleteObjects: false }
    : { isProduction, removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true };
}
