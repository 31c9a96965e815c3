// `node scripts/check-examples.ts`: type-checks every `@example` in packages/*/src and events/src,
// so the examples the editor shows cannot drift from the code (`npm test` runs it before vitest).
//
// Each example is compiled as the body of an async function appended to a copy of the file that
// documents it, so it sees what that file sees (its imports and its own declarations). Names an
// example takes as given (`store`, `event`, …) are declared `any`: what is checked is the calls
// it makes on the code — names, arguments, options and what it reads off the results.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { tsFilesUnder } from "./ts-files.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** One example: its code and the source line its first code line came from. */
interface Example {
  code: string[];
  line: number;
}

/** Example blocks of one file's doc comments: the lines after `@example` up to the next tag or the comment's end. */
function examplesOf(text: string): Example[] {
  const lines = text.split("\n");
  const examples: Example[] = [];
  let current: Example | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const inComment = /^\s*\*(?!\/)/.test(line);
    const ends = /\*\//.test(line);
    if (current && (!inComment || /^\s*\*\s*@\w+/.test(line) || ends)) {
      examples.push(current);
      current = undefined;
    }
    if (inComment && /^\s*\*\s*@example\b/.test(line) && !ends) current = { code: [], line: i + 2 };
    else if (current) current.code.push(line.replace(/^\s*\* ?/, ""));
  }
  return examples.filter((e) => e.code.some((l) => l.trim() !== ""));
}

/** A checked copy of one documented file: where each example's code starts in it. */
interface Probe {
  source: string;
  path: string;
  text: string;
  examples: { example: Example; start: number; end: number; firstLine: number }[];
}

/** Example code as a function body: `export` dropped, `…` (code left out) a comment. */
function asBody(code: string[]): string {
  return code
    .map((line) => line.replace(/^export\s+/, "").replace(/…/g, "/* … */").replace(/\.\.\.(?=\s*[)}\],;])/g, "/* ... */"))
    .join("\n");
}

/** The file's imports all usable as values, so an example may construct a class the file only names as a type. */
function valueImports(text: string): string {
  return text.replace(/^import\s+type\s+/gm, "import ").replace(/^import\s*\{[^}]*\}/gm, (head) => head.replace(/\btype\s+(?=[\w$])/g, ""));
}

function probeOf(source: string, text: string, examples: Example[], given: ReadonlySet<string>): Probe {
  const path = source.replace(/\.ts$/, ".examples-probe.ts");
  let out = `${valueImports(text)}\n`;
  const placed: Probe["examples"] = [];
  examples.forEach((example, i) => {
    out += `async function __example${i}(): Promise<void> {\n`;
    const start = out.length;
    const firstLine = out.split("\n").length - 1;
    out += `${asBody(example.code)}\n`;
    placed.push({ example, start, end: out.length, firstLine });
    out += "}\n";
  });
  // A name may be both a value and a type; an example may use it as either.
  for (const name of given) out += `declare const ${name}: any;\ntype ${name} = any;\n`;
  return { source, path, text: out, examples: placed };
}

/** Diagnostics that say an example uses a name it takes as given. */
const MISSING_NAME = new Set([2304, 2552, 2584, 18004]);

function check(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("cannot read tsconfig.json");
  // Parameters an example leaves untyped (a handler's `event`) are as good as given.
  const options = { ...config.options, noEmit: true, noImplicitAny: false, verbatimModuleSyntax: false };
  const dirs = [...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "src")), join(root, "events", "src")];
  const documented = tsFilesUnder(dirs)
    .map((source) => ({ source, text: readFileSync(source, "utf8") }))
    .map((file) => ({ ...file, examples: examplesOf(file.text) }))
    .filter((file) => file.examples.length > 0);
  const given = new Map(documented.map((file) => [file.source, new Set<string>()]));
  let old: ts.Program | undefined;
  for (let round = 0; ; round++) {
    const probes = documented.map((file) => probeOf(file.source, file.text, file.examples, given.get(file.source)!));
    const byPath = new Map(probes.map((p) => [p.path, p]));
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, onError, create) => {
      const probe = byPath.get(name);
      return probe ? ts.createSourceFile(name, probe.text, language) : getSourceFile(name, language, onError, create);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => byPath.has(name) || fileExists(name);
    const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host, oldProgram: old });
    old = program;
    const problems: string[] = [];
    let added = false;
    for (const probe of probes) {
      const sf = program.getSourceFile(probe.path)!;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
        const at = probe.examples.find((e) => d.start !== undefined && d.start >= e.start && d.start < e.end);
        if (!at) continue;
        const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
        const name = /^(?:Cannot find name|No value exists in scope for the shorthand property) '([\w$]+)'/.exec(message)?.[1];
        if (MISSING_NAME.has(d.code) && name && round < 3) {
          const names = given.get(probe.source)!;
          if (!names.has(name)) added = true;
          names.add(name);
          continue;
        }
        const line = sf.getLineAndCharacterOfPosition(d.start!).line - at.firstLine + at.example.line;
        problems.push(`${relative(root, probe.source)}:${line}: ${message}`);
      }
    }
    if (!added) return problems;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const problems = check();
  for (const p of problems) console.error(p);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (problems.length > 0) {
    console.error(`check-examples: ${problems.length} problem(s) in @example code (${seconds} s)`);
    process.exit(1);
  }
  console.log(`check-examples: every @example type-checks (${seconds} s)`);
}

