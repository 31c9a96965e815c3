import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { OBSERVED_PHASE } from "../../packages/aws/src/lambda/observability.ts";
import { LAMBDA_ENTRY_DIR, lambdaEntries } from "../Pipeline.ts";
import { root } from "./synthesized-app.ts";

describe("the deployed Lambda entries", () => {
  it.each(lambdaEntries.map((entry) => [entry]))("%s exports its handler observed (JSON logs, EMF metrics), its name as the phase", async (entry) => {
    const { handler } = (await import(pathToFileURL(join(root, LAMBDA_ENTRY_DIR, `${entry}.ts`)).href)) as { handler: { [OBSERVED_PHASE]?: string } };
    expect(handler[OBSERVED_PHASE]).toBe(entry);
  });
});
