import { appendFile, mkdir, readFile } from "node:fs/promises";
import { printable } from "@cds/core/text";
import { dirname } from "node:path";
import { parseEvent, type CatalogEvent } from "@cds/events";

/** A line of an event log is not an event the catalog accepts. */
export class EventLogError extends Error {
  override name = "EventLogError";
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  constructor(file: string, line: number, message: string, options?: { cause?: unknown }) {
    super(`${file}:${line}: ${message}`, options);
    this.file = file;
    this.line = line;
  }
}

/**
 * An append-only log of events as JSON Lines, one event per line. Several writers may share a
 * file: each batch goes out as one append, so lines never interleave, and nothing is ever
 * rewritten. No fsync: the log is a local record for people and tests, not a durability layer.
 *
 * @example
 * const log = new EventLog("/tmp/cds/events.jsonl");
 * await log.append([event]);
 * const events = await log.read();
 */
export class EventLog {
  readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  /** Appends the events, in order, as one write. */
  async append(events: readonly CatalogEvent[]): Promise<void> {
    if (events.length === 0) return;
    await mkdir(dirname(this.file), { recursive: true });
    // printable: JSON escapes C0 controls but not C1 or bidi overrides; a `cat` of the log must
    // not act on the terminal. Its \uXXXX escapes are JSON's, so each line decodes unchanged.
    await appendFile(this.file, events.map((event) => `${printable(JSON.stringify(event))}\n`).join(""), "utf8");
  }

  /** Every event in the file, in the order written; none when the file does not exist yet. */
  async read(): Promise<CatalogEvent[]> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return lines.map((line, index) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (error) {
        throw new EventLogError(this.file, index + 1, "not a line of JSON", { cause: error });
      }
      try {
        return parseEvent(json);
      } catch (error) {
        throw new EventLogError(this.file, index + 1, (error as Error).message, { cause: error });
      }
    });
  }
}
