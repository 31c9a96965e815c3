import { z } from "zod";

// Field schemas that several events share, so one event cannot drift from another.

/**
 * A search's id: it becomes part of object keys and table keys, so it is kept to characters
 * that need no escaping in either.
 */
export const searchIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit");

/** An instant as ISO 8601 text with a zone (`2025-11-25T14:07:00Z`), as EventBridge writes `time`. */
export const timestampSchema = z.string().datetime({ offset: true });

/** A key of an object in a bucket (the library, uploads or results). */
export const objectKeySchema = z.string().min(1).max(1024);

/** A count of things: a whole number, zero or more. */
export const countSchema = z.number().int().nonnegative();
