import { CdsError } from "@cds/core";
import { parseCsv } from "./csv.ts";

/** One mask a manifest lists: its file (as written), an optional name, and its own sidecar keys. */
export interface ManifestRow {
  file: string;
  name?: string;
  /** NeuronBridge-style keys for this mask (maskThreshold, xyShift, excludeTopRight, …). */
  sidecar: Record<string, unknown>;
}

/** Column (or key) names that give a row's mask file; the first one present wins. */
const FILE_KEYS = ["file", "mask", "path"];

/**
 * Reads a submission manifest: CSV with a header row, or JSON (an array of objects, or
 * `{ "masks": [...] }`). Each row names its mask file (`file`; relative paths are relative to the
 * manifest), optionally a `name`, and any search parameters by their sidecar names; an empty
 * CSV cell leaves a parameter to the command's options. `manifestName` is for messages.
 *
 * @example
 * parseManifest("file,name,maskThreshold\nlc4.png,LC4 left,50\n", "csv", "masks.csv")
 * // [{ file: "lc4.png", name: "LC4 left", sidecar: { maskThreshold: "50" } }]
 */
export function parseManifest(text: string, kind: "csv" | "json", manifestName: string): ManifestRow[] {
  return kind === "csv" ? csvRows(text, manifestName) : jsonRows(text, manifestName);
}

function csvRows(text: string, manifestName: string): ManifestRow[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new CdsError(`the manifest ${manifestName} is empty; write a header row such as "file,name,maskThreshold"`);
  const columns = header.map((h) => h.trim());
  if (!columns.some((c) => FILE_KEYS.includes(c))) {
    throw new CdsError(`the manifest ${manifestName} has no "file" column (its columns: ${columns.join(", ")})`);
  }
  return rows.map((cells, i) => {
    const record: Record<string, unknown> = {};
    columns.forEach((column, c) => {
      const value = (cells[c] ?? "").trim();
      if (column && value !== "") record[column] = value;
    });
    return rowOf(record, `${manifestName} line ${i + 2}`);
  });
}

function jsonRows(text: string, manifestName: string): ManifestRow[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CdsError(`the manifest ${manifestName} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const list = Array.isArray(json) ? json : (json as { masks?: unknown } | null)?.masks;
  if (!Array.isArray(list)) throw new CdsError(`the manifest ${manifestName} must be a JSON array of masks, or { "masks": [...] }`);
  return list.map((entry, i) => {
    if (typeof entry === "string") return { file: entry, sidecar: {} };
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new CdsError(`${manifestName} mask ${i + 1} must be an object such as { "file": "lc4.png" }`);
    }
    return rowOf(entry as Record<string, unknown>, `${manifestName} mask ${i + 1}`);
  });
}

function rowOf(record: Record<string, unknown>, where: string): ManifestRow {
  const fileKey = FILE_KEYS.find((key) => record[key] !== undefined);
  const file = fileKey ? record[fileKey] : undefined;
  if (typeof file !== "string" || file === "") throw new CdsError(`${where} names no mask file (a "file" value)`);
  const { name, ...rest } = record;
  const sidecar = Object.fromEntries(Object.entries(rest).filter(([key]) => !FILE_KEYS.includes(key)));
  return { file, ...(typeof name === "string" && name !== "" ? { name } : {}), sidecar };
}
