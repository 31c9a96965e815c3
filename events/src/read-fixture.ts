import { readFileSync } from "node:fs";
import type { CatalogEntry, EventOf } from "./catalog-entry.ts";
import { parseEvent } from "./parse-event.ts";

const fixturesFolder = new URL("../fixtures/", import.meta.url);

/**
 * Reads and validates the sample event of a catalog entry (`events/fixtures/<name>.json`), for
 * tests and local runs. Each call returns a fresh copy, so a test may change it freely.
 *
 * @example
 * const event = readFixture(searchCompleted);
 * event.detail.partial = true;
 */
export function readFixture<Entry extends CatalogEntry>(entry: Entry): EventOf<Entry> {
  const text = readFileSync(new URL(`${entry.name}.json`, fixturesFolder), "utf8");
  return parseEvent(JSON.parse(text), entry);
}
