// @cds/core's public surface: the names of @cds/core/ports that other packages import, listed by name.
export { BlobNotFoundError, InputRefusedError } from "./blob-store.ts";
export type { BlobStore, InputLimits, PutOptions, RangedObject } from "./blob-store.ts";
export type { Invoker } from "./invoker.ts";
export { telemetryMetrics } from "./telemetry.ts";
export type { Telemetry } from "./telemetry.ts";
