import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerDemoCommand } from "./commands/demo/index.ts";
import { registerDevCommand } from "./commands/dev/index.ts";
import { registerResultsCommand } from "./commands/results/index.ts";
import { registerStatusCommand } from "./commands/status/index.ts";
import { registerSubmissionsCommands } from "./commands/submissions/index.ts";
import { registerSubmitCommand } from "./commands/submit/index.ts";
import { registerWebhooksCommands } from "./commands/webhooks/index.ts";
import { registerLibraryCommands } from "./commands/library/index.ts";
import { registerScoreCommand } from "./commands/score/index.ts";
import { registerSearchCommand } from "./commands/search/index.ts";
import { registerSynthCommand } from "./commands/synth/index.ts";
import type { Io } from "./io.ts";

/** The `cds` command tree. Each command lives in its own folder under `commands/`. */
export function buildProgram(io: Io): Command {
  const program = new Command("cds")
    .description("Colour-depth MIP mask search: score and search fly-brain CDM images")
    .version(cliVersion(), "-V, --version", "print the cds version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.error(s.replace(/\n$/, "")),
    })
    .showHelpAfterError("(run `cds --help` or `cds <command> --help` for usage)");
  registerScoreCommand(program, io);
  registerSearchCommand(program, io);
  registerLibraryCommands(program, io);
  registerSynthCommand(program, io);
  registerDemoCommand(program, io);
  registerDevCommand(program, io);
  registerSubmitCommand(program, io);
  registerSubmissionsCommands(program, io);
  registerStatusCommand(program, io);
  registerResultsCommand(program, io);
  registerWebhooksCommands(program, io);
  return program;
}

/** The CLI package's version, read once from its package.json (a few hundred bytes). */
function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
