import { gunzipSync, gzipSync } from "node:zlib";
import type { MatchesEncoding } from "../entities/batch-result.ts";

/** Above this many bytes of JSON, matches are stored gzip-compressed in base64. */
export const MATCHES_GZIP_THRESHOLD_BYTES = 100 * 1024;

/**
 * Largest encoded `matches` text stored: DynamoDB items stop at 400 KB, and the rest of
 * a batch result (keys, counts, times) needs a little room.
 */
export const MATCHES_MAX_STORED_BYTES = 390 * 1024;

/** `matches` as stored: the text and how to read it. */
export type EncodedMatches = { matches: string; matchesEncoding: MatchesEncoding };

/**
 * Encodes a JSON-serialisable array as stored text: plain JSON when small, gzip+base64
 * above {@link MATCHES_GZIP_THRESHOLD_BYTES}.
 *
 * @example
 * const stored = encodeMatches([{ name: "a", score: 3 }]); // { matchesEncoding: "json", … }
 */
export function encodeMatches(matches: readonly unknown[]): EncodedMatches {
  const json = JSON.stringify(matches);
  if (Buffer.byteLength(json) <= MATCHES_GZIP_THRESHOLD_BYTES) return { matches: json, matchesEncoding: "json" };
  return { matches: gzipSync(json).toString("base64"), matchesEncoding: "gzip-base64" };
}

/**
 * Reads stored text back into the array {@link encodeMatches} was given.
 *
 * @example
 * decodeMatches(encodeMatches(rows)); // deep-equals rows
 */
export function decodeMatches<M = unknown>(stored: EncodedMatches): M[] {
  const json = stored.matchesEncoding === "json" ? stored.matches : gunzipSync(Buffer.from(stored.matches, "base64")).toString("utf8");
  return JSON.parse(json) as M[];
}
