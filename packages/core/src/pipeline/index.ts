// @cds/core's public surface: the names of @cds/core/pipeline that other packages import, listed by name.
export { acceptUpload } from "./accept-upload.ts";
export type { AcceptUploadDeps } from "./accept-upload.ts";
export { combinedSearchOf, combineSearch } from "./combine-search.ts";
export type { CombinedSearch, CombineSearchDeps } from "./combine-search.ts";
export { failSearch, stageEndedByFailureOf, stageFailureReason } from "./fail-search.ts";
export type { FailingStage } from "./fail-search.ts";
export type { LibraryStores, SourceImageReader } from "./pipeline-ports.ts";
export { readUploadParameters } from "./read-upload-parameters.ts";
export { DEFAULT_MASK_MAX_BYTES, tooLarge } from "./read-user-input.ts";
export { leafPayloads, resumeSearch } from "./resume-search.ts";
export type { SearchJob } from "./search-job.ts";
export { recentSearches, withBatchProgress } from "./search-progress.ts";
export { decideSweep } from "./sweep-search.ts";
export type { SweepDecision } from "./sweep-search.ts";
export { UPLOAD_FORM_FIELDS, uploadFormDefaults, uploadFormSidecar } from "./upload-form.ts";
export { sidecarOfMetadata, uploadMetadataOf } from "./upload-metadata.ts";
export { uploadSettingsOf } from "./upload-settings.ts";
export type { UploadSettings } from "./upload-settings.ts";
