import { CdsError } from "../errors.ts";

/**
 * What a library records about each target, parsed from NeuronBridge-style file names where
 * they follow the convention, always with the name and the source path.
 */
export interface ItemMetadata {
  /** File name without folder and extension. */
  name: string;
  /** Where the image came from, relative to the indexed source. */
  sourcePath: string;
  publishedName?: string;
  slideCode?: string;
  gender?: string;
  objective?: string;
  anatomicalArea?: string;
  alignmentSpace?: string;
  channel?: string;
}

/** The metadata fields a `--metadata` table may set (name and path stay the file's). */
export const METADATA_FIELDS = ["publishedName", "slideCode", "gender", "objective", "anatomicalArea", "alignmentSpace", "channel"] as const;
export type MetadataField = (typeof METADATA_FIELDS)[number];

const CDM_FIELD = /^CDM(_\d+)?$/;
const SLIDE_CODE = /^\d{8}_\d+_[A-Za-z0-9]+$/;
const OBJECTIVE = /^\d+x$/i;
const GENDER = /^[mf]$/;

/**
 * Parses NeuronBridge names wherever they sit in a file name, after any prefix. LM:
 * `line-slideCode[-driver]-gender-objective-area-alignmentSpace-CDM_<ch>[-nn]`, read back from the
 * `CDM` field, so `lab7-run2-LH2033-20170120_61_A4-GAL4-f-40x-…` gives the same metadata as
 * `LH2033-20170120_61_A4-GAL4-f-40x-…`; a prefix joined by a space (`plate 3 LH2033-…`) is dropped
 * too. EM: `bodyId-…-CDM[-FL]` (the first numeric field, after a prefix too). Anything else keeps
 * only name and path.
 *
 * @example
 * itemMetadataFromPath("searchable_neurons/70/LH2033-20170120_61_A4-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_1-01.tif")
 * // { publishedName: "LH2033", slideCode: "20170120_61_A4", gender: "f", objective: "40x", anatomicalArea: "brain", … }
 */
export function itemMetadataFromPath(sourcePath: string): ItemMetadata {
  const file = sourcePath.split(/[\\/]/).pop() ?? sourcePath;
  const name = file.replace(/\.(tiff?|png|jpe?g)$/i, "");
  const fields = name.split("-");
  const cdmAt = fields.findIndex((f) => CDM_FIELD.test(f));
  const lm = cdmAt >= 0 ? lmFields(fields, cdmAt) : undefined;
  if (lm) {
    const channel = /^CDM_(\d+)$/.exec(fields[cdmAt])?.[1];
    return { name, sourcePath, ...lm, ...(channel ? { channel } : {}) };
  }
  const bodyAt = fields.findIndex((f, i) => /^\d+$/.test(f) && (cdmAt < 0 || i < cdmAt));
  if (bodyAt === 0 && fields.length > 1) return { name, sourcePath, publishedName: fields[0], gender: "f" };
  if (bodyAt > 0 && cdmAt > bodyAt && /^\d{5,}$/.test(fields[bodyAt])) return { name, sourcePath, publishedName: fields[bodyAt], gender: "f" };
  return { name, sourcePath };
}

type LmFields = Required<Pick<ItemMetadata, "publishedName" | "slideCode" | "gender" | "objective" | "anatomicalArea" | "alignmentSpace">>;

/** The LM fields before the `CDM` field at `cdmAt`, or undefined when they are not NeuronBridge's. */
function lmFields(fields: string[], cdmAt: number): LmFields | undefined {
  // Read backwards from CDM: alignment space, area, objective, gender, then the slide code,
  // either right before gender or with the driver (GAL4, LexA, …) in between.
  const [gender, objective, anatomicalArea, alignmentSpace] = fields.slice(cdmAt - 4, cdmAt);
  if (cdmAt >= 6 && GENDER.test(gender) && OBJECTIVE.test(objective)) {
    const slideAt = SLIDE_CODE.test(fields[cdmAt - 5]) ? cdmAt - 5 : SLIDE_CODE.test(fields[cdmAt - 6] ?? "") ? cdmAt - 6 : -1;
    if (slideAt >= 1) {
      return { publishedName: withoutPrefix(fields[slideAt - 1]), slideCode: fields[slideAt], gender, objective, anatomicalArea, alignmentSpace };
    }
  }
  // Slide codes that do not look like Janelia's: the exact positions of the plain convention.
  if (cdmAt === 6 || cdmAt === 7) {
    const [publishedName, slideCode, ...rest] = fields.slice(0, cdmAt);
    const [g, o, a, s] = rest.slice(cdmAt - 6);
    return { publishedName, slideCode, gender: g, objective: o, anatomicalArea: a, alignmentSpace: s };
  }
  return undefined;
}

/** A published name with a space-separated prefix dropped ("plate 3 LH2033" → "LH2033"). */
function withoutPrefix(field: string): string {
  const words = field.trim().split(/\s+/);
  return words[words.length - 1];
}

/** A `--metadata` file could not be used. */
export class MetadataFileError extends CdsError {
  override name = "MetadataFileError";
}

/** Metadata given for targets, by file name (without extension) or by source path. */
export type MetadataTable = ReadonlyMap<string, Partial<Record<MetadataField, string>>>;

/** The most rows a metadata file may have: bounds what a wrong file can cost. */
export const MAX_METADATA_ROWS = 2_000_000;

/**
 * Reads a metadata file for a folder library: CSV with a header row, or JSON (an array of
 * objects). Each row names its target by `name` (file name without extension) or `sourcePath`
 * and gives any of {@link METADATA_FIELDS}; other columns are refused so a typo cannot pass.
 *
 * @example
 * const table = parseMetadataFile(await readFile("lines.csv", "utf8"), "lines.csv");
 * const item = applyMetadata(itemMetadataFromPath("a/R10A06.tif"), table);
 */
export function parseMetadataFile(text: string, fileName: string): MetadataTable {
  const rows = /^\s*[[{]/.test(text) ? jsonRows(text, fileName) : csvRows(text, fileName);
  if (rows.length > MAX_METADATA_ROWS) throw new MetadataFileError(`${fileName} has ${rows.length} rows; at most ${MAX_METADATA_ROWS} are read`);
  const table = new Map<string, Partial<Record<MetadataField, string>>>();
  rows.forEach((row, i) => {
    const key = row.sourcePath ?? row.name;
    if (!key) throw new MetadataFileError(`${fileName} row ${i + 1}: needs a "name" or "sourcePath" to say which target it describes`);
    const fields: Partial<Record<MetadataField, string>> = {};
    for (const [column, value] of Object.entries(row)) {
      if (column === "name" || column === "sourcePath") continue;
      if (!(METADATA_FIELDS as readonly string[]).includes(column)) {
        throw new MetadataFileError(`${fileName}: unknown column "${column}"; use name or sourcePath and any of ${METADATA_FIELDS.join(", ")}`);
      }
      if (value !== "") fields[column as MetadataField] = value;
    }
    table.set(key, fields);
  });
  return table;
}

/** The item with the table's fields for it (by source path, else by name) laid over the parsed ones. */
export function applyMetadata(item: ItemMetadata, table: MetadataTable): ItemMetadata {
  const extra = metadataFor(item.sourcePath, table);
  return extra ? { ...item, ...extra } : item;
}

/** The table's fields for the target at `sourcePath` (by path, else by file name without extension). */
export function metadataFor(sourcePath: string, table: MetadataTable): Partial<Record<MetadataField, string>> | undefined {
  return table.get(sourcePath) ?? table.get(itemMetadataFromPath(sourcePath).name);
}

function jsonRows(text: string, fileName: string): Record<string, string>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MetadataFileError(`${fileName} is not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new MetadataFileError(`${fileName}: the JSON must be an array of objects, one per target`);
  return parsed.map((row, i) => {
    if (typeof row !== "object" || row === null || Array.isArray(row)) throw new MetadataFileError(`${fileName} item ${i + 1} is not an object`);
    return Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        if (typeof v !== "string" && typeof v !== "number") throw new MetadataFileError(`${fileName} item ${i + 1}: "${k}" must be a string or a number`);
        return [k, String(v)];
      }),
    );
  });
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
function csvRows(text: string, fileName: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") record.push(field), (field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field), (field = "");
      if (record.some((f) => f !== "")) records.push(record);
      record = [];
    } else field += c;
  }
  if (quoted) throw new MetadataFileError(`${fileName}: a quoted field is not closed`);
  record.push(field);
  if (record.some((f) => f !== "")) records.push(record);
  const [header, ...body] = records;
  if (!header) throw new MetadataFileError(`${fileName} is empty; it needs a header row (name or sourcePath, then metadata columns)`);
  const columns = header.map((h) => h.trim().replace(/^\uFEFF/, ""));
  return body.map((values, r) => {
    if (values.length !== columns.length) throw new MetadataFileError(`${fileName} line ${r + 2} has ${values.length} fields, the header ${columns.length}`);
    return Object.fromEntries(columns.map((c, i) => [c, values[i].trim()]));
  });
}
