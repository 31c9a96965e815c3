// Public surface of @cds/core, listed by name.
export { CdsError, ImageDecodeError, ImageSizeMismatchError, ParameterError } from "./errors.ts";
export type { ImageDecodeProblem } from "./errors.ts";
export type { RgbImage } from "./image/rgb-image.ts";
export {
  defaultSearchParams,
  formatRegion,
  parseRegion,
  parseSearchParams,
  precomputeSearchParams,
} from "./search-params.ts";
export type { RegionSize, ScoreParams, SearchParams } from "./search-params.ts";
export { isMatch } from "./scoring/pixel-match-score.ts";
export type { PixelMatchScore } from "./scoring/pixel-match-score.ts";
export { scorePixelMatchPlain } from "./scoring/pixel-match-plain.ts";
export {
  collectFromRgb,
  createTargetPixels,
  prepareMask,
  scorePixelMatch,
  scoreTargetImage,
  scoreTargetPixels,
} from "./scoring/fast-scorer.ts";
export type { PreparedMask, TargetPixels } from "./scoring/fast-scorer.ts";
export { maskSizeOf } from "./scoring/mask-size.ts";
export {
  DEFAULT_MAX_PIXELS,
  decodeGray16Png,
  decodeImage,
  decodeImageFile,
  decodeTiff,
  decodeTiffInto,
  readImageHeader,
} from "./image/index.ts";
export type { DecodeOptions, Gray16Image, ImageFormat, ImageHeader } from "./image/index.ts";
export { BlobNotFoundError } from "./ports/blob-store.ts";
export type { BlobStore, PutOptions } from "./ports/blob-store.ts";
export { codeOfValue, encodeTarget } from "./library/encoded-target.ts";
export type { EncodedTarget } from "./library/encoded-target.ts";
export { applyMetadata, itemMetadataFromPath, metadataFor, MAX_METADATA_ROWS, METADATA_FIELDS, MetadataFileError, parseMetadataFile } from "./library/item-metadata.ts";
export type { ItemMetadata, MetadataField, MetadataTable } from "./library/item-metadata.ts";
export { LibraryFormatError, readShard, writeShard } from "./library/shard-format.ts";
export type { Shard, ShardHeader } from "./library/shard-format.ts";
export { buildShard } from "./library/shard-builder.ts";
export type { BuiltShard, ShardSource, SkippedImage } from "./library/shard-builder.ts";
export { LIBRARY_FORMAT_VERSION, layoutOf, MANIFEST_KEY, readManifest, shardKey } from "./library/library-manifest.ts";
export type { LibraryLayout, LibraryManifest, ShardEntry } from "./library/library-manifest.ts";
export { chunks, shuffled } from "./library/shuffle.ts";
export { compareMatches, mergeRankings } from "./search/ranking.ts";
export type { TargetMatch } from "./search/ranking.ts";
export { createSearchScratch, searchLibraryRange } from "./search/batch-search.ts";
export type { BatchSearchOptions, BatchSearchResult, SearchScratch } from "./search/batch-search.ts";
export { encodePackBitsTiff } from "./image/tiff-encoder.ts";
export { createPrng, deriveSeed } from "./prng.ts";
export type { Prng, Seed } from "./prng.ts";
export {
  CDM_HEIGHT,
  CDM_WIDTH,
  generateCdm,
  generateLibrary,
  generateNeuron,
  libraryEntry,
  libraryName,
  loadLutFile,
  maskSeed,
  planLibrary,
  plantMatch,
  rainbowLut,
  renderMask,
  syntheticLibrary,
} from "./synthetic/index.ts";
export type { LibraryEntry, LibraryOptions, LibraryPlan, Neuron, PlantedInfo, SyntheticLibrarySpec } from "./synthetic/index.ts";
export { defaultStateTableLayout, STATE_SERVICE, STATE_TTL_ATTRIBUTE, stateTableDefinition, stateTableLayout } from "./entities/state-table.ts";
export type { StateTableDefinition, StateTableLayout, StateTableLayoutOverrides } from "./entities/state-table.ts";
export type { EntityClause } from "./entities/entity-clause.ts";
export { SEARCH_STATUSES, searchEntity } from "./entities/search.ts";
export type { SearchEntity, SearchFailure, SearchItem, SearchStatus, StoredSearchParameters } from "./entities/search.ts";
export { uploadClaimEntity } from "./entities/upload-claim.ts";
export type { UploadClaimEntity, UploadClaimItem } from "./entities/upload-claim.ts";
export { batchResultEntity, MATCHES_ENCODINGS } from "./entities/batch-result.ts";
export type { BatchResultEntity, BatchResultItem, MatchesEncoding } from "./entities/batch-result.ts";
export { subscriptionEntity } from "./entities/subscription.ts";
export type { SubscriptionEntity, SubscriptionItem } from "./entities/subscription.ts";
export { DELIVERY_STATUSES, deliveryEntity } from "./entities/delivery.ts";
export type { DeliveryEntity, DeliveryItem, DeliveryStatus } from "./entities/delivery.ts";
export { libraryEntity } from "./entities/library.ts";
export type { LibraryEntity, LibraryItem } from "./entities/library.ts";
export { SUBMISSION_STATUSES, submissionEntity } from "./entities/submission.ts";
export type { SubmissionEntity, SubmissionItem, SubmissionStatus } from "./entities/submission.ts";
export { MASK_OUTCOMES, submissionMaskEntity } from "./entities/submission-mask.ts";
export type { MaskOutcome, SubmissionMaskEntity, SubmissionMaskItem } from "./entities/submission-mask.ts";
export { admissionGateEntity, SEARCH_GATE } from "./entities/admission-gate.ts";
export type { AdmissionGateEntity, AdmissionGateItem } from "./entities/admission-gate.ts";
export { createStateStore, DEFAULT_BATCH_RESULT_TTL_SECONDS, stateService } from "./state/service.ts";
export type {
  BatchRecording,
  BatchResult,
  DeliveryAttempt,
  NewBatchResult,
  NewLibrary,
  NewSearch,
  NewSubscription,
  Page,
  PageRequest,
  Reconciliation,
  SearchCreation,
  SearchResults,
  StateStore,
  StateStoreOptions,
} from "./state/service.ts";
export type { SlotAcquisition } from "./state/admission-access.ts";
export type { MaskOutcomeRecord, NewSubmission, NewSubmissionMask, SubmissionCompletion, SubmissionRecording } from "./state/submission-access.ts";
export { BatchResultRejectedError, IllegalStatusTransitionError, SearchNotFoundError, StateError } from "./state/state-errors.ts";
export { isConditionFailure } from "./state/condition-failure.ts";
export { decodeMatches, encodeMatches, MATCHES_GZIP_THRESHOLD_BYTES, MATCHES_MAX_STORED_BYTES } from "./state/matches-codec.ts";
export type { EncodedMatches } from "./state/matches-codec.ts";
export type { Invoker } from "./ports/invoker.ts";
export { DEFAULT_MAX_PARALLELISM, planBatches } from "./planning/batch-plan.ts";
export type { BatchPlan, BatchPlanOptions, BatchRange } from "./planning/batch-plan.ts";
export { childrenOf, planDispatchTree, rootOf } from "./planning/dispatch-tree.ts";
export type { DispatcherChildren, DispatcherNode, DispatchTree, DispatchTreeOptions } from "./planning/dispatch-tree.ts";
export { dispatch, DispatchError, planDispatch } from "./planning/dispatch.ts";
export type { DispatchFunctionNames, DispatchOutcome, DispatcherPayload, DispatchPlan, WorkerPayload } from "./planning/dispatch.ts";
export { combineBatchResults, MAX_CUSTOM_RESULTS } from "./results/combine-batches.ts";
export type { CombineBatchOptions } from "./results/combine-batches.ts";
export { buildResultsDocument, RESULTS_DOCUMENT_VERSION } from "./results/results-document.ts";
export type { ResultEntry, ResultsDocument, ResultsDocumentInput, ResultsLibrary, ResultsMask } from "./results/results-document.ts";
export { MAX_RESULTS_DOCUMENT_BYTES, parseResultsDocument, ResultsDocumentError } from "./results/read-results-document.ts";
export { NeuronBridgeExportError, toNeuronBridgeCustomMatches } from "./results/neuronbridge-export.ts";
export type { MissingNeuronBridgeField, NeuronBridgeCustomMatches, NeuronBridgeExportOptions } from "./results/neuronbridge-export.ts";
export { RESULTS_CSV_COLUMNS, resultsCsv } from "./results/results-csv.ts";
export { matchedTargetPixels, overlayImage } from "./results/match-overlay.ts";
export type { MatchedPixels } from "./results/match-overlay.ts";
export { resultsFileSet } from "./results/results-files.ts";
export { maskNameOf } from "./results/mask-name.ts";
export type { ResultsFileSet } from "./results/results-files.ts";
export { encodePng } from "./results/png-encoder.ts";
export type { PngEncodeOptions, PngRowFilter } from "./results/png-encoder.ts";
export { downscale2x } from "./results/downscale-2x.ts";
export { escapeHtml } from "./results/escape-html.ts";
export { DEFAULT_SHOWN_MATCHES, matchesToShow, renderResultsPage } from "./results/results-page.ts";
export type { ResultsPage, ResultsPageInput } from "./results/results-page.ts";
export { generateWebhookSecret, signWebhook, WEBHOOK_SECRET_PREFIX } from "./notify/webhook-signature.ts";
export type { WebhookHeaders, WebhookToSign } from "./notify/webhook-signature.ts";
export type { DeliveryQueue, ReceivedMessage, ReceiveOptions } from "./notify/delivery-queue.ts";
export { DEFAULT_RETRY_POLICY, retryDelaySeconds } from "./notify/retry-policy.ts";
export type { RetryPolicy } from "./notify/retry-policy.ts";
export { decideAfterAttempt, deliveryIdOf, isAccepted, planWebhookDeliveries } from "./notify/webhook-delivery.ts";
export type { NotifiableEvent, WebhookAttemptDecision, WebhookAttemptResult, WebhookDeliveryMessage } from "./notify/webhook-delivery.ts";
export type { EmailMessage, Mailer, SentEmail } from "./notify/mailer.ts";
export { searchEmail } from "./notify/search-email.ts";
export { submissionEmail } from "./notify/submission-email.ts";
export type { SubmissionEmailMask, SubmissionForEmail } from "./notify/submission-email.ts";
export type { CompletedSearchForEmail, EmailedMatch, FailedSearchForEmail, SearchEmailOptions, SearchOutcomeForEmail } from "./notify/search-email.ts";
export { UploadMetadataTooLargeError, UploadRejectedError } from "./pipeline/pipeline-errors.ts";
export { S3_METADATA_MAX_BYTES, sidecarOfMetadata, UPLOAD_SETTINGS_METADATA_KEY, uploadMetadataOf } from "./pipeline/upload-metadata.ts";
export { readUploadParameters } from "./pipeline/read-upload-parameters.ts";
export type { UploadParametersSource } from "./pipeline/read-upload-parameters.ts";
export type { LibraryStores, SourceImageReader } from "./pipeline/pipeline-ports.ts";
export { submissionTagOf, uploadLocationOf, uploadSettingsOf } from "./pipeline/upload-settings.ts";
export type { SubmissionTag, UploadLocation, UploadSettings } from "./pipeline/upload-settings.ts";
export { checkMask } from "./pipeline/check-mask.ts";
export type { CheckedMask, MaskCheck } from "./pipeline/check-mask.ts";
export { settingsOfSearch } from "./pipeline/search-job.ts";
export type { SearchJob } from "./pipeline/search-job.ts";
export { acceptUpload } from "./pipeline/accept-upload.ts";
export type { AcceptUploadDeps, UploadedObject, UploadOutcome } from "./pipeline/accept-upload.ts";
export { planSearch, startSearch } from "./pipeline/start-search.ts";
export type { StartedSearch, StartSearchDeps } from "./pipeline/start-search.ts";
export { combineSearch } from "./pipeline/combine-search.ts";
export type { CombinedSearch, CombineSearchDeps } from "./pipeline/combine-search.ts";
export { failSearch, stageFailureReason } from "./pipeline/fail-search.ts";
export type { FailingStage } from "./pipeline/fail-search.ts";
export { resumeSearch } from "./pipeline/resume-search.ts";
export type { ResumeAction } from "./pipeline/resume-search.ts";
export { decideSweep } from "./pipeline/sweep-search.ts";
export type { SweepDecision, SweepFacts } from "./pipeline/sweep-search.ts";
export { admitNextSearch, checkMaxRunning, checkRunningSlots, DEFAULT_MAX_RUNNING, defaultMaxRunning, isInFlight } from "./pipeline/admission.ts";
export type { AdmissionDeps, SlotCheck } from "./pipeline/admission.ts";
export { canonicalSettings, maskIdOf, submissionIdOf } from "./submission/mask-identity.ts";
export { prepareSubmission } from "./submission/prepare-submission.ts";
export type { PlannedMask, RejectedMask, SubmissionInput, SubmissionLibrary, SubmissionPlan } from "./submission/prepare-submission.ts";
export { submitMasks } from "./submission/submit-masks.ts";
export type { SubmissionReceipt, SubmitMasksDeps } from "./submission/submit-masks.ts";
export { buildSubmissionSummary, SUBMISSION_SUMMARY_VERSION, submissionSummaryCsv, summaryKeysOf, TOP_MATCHES_PER_MASK } from "./submission/submission-summary.ts";
export type { SubmissionSummary, SummaryMask, SummaryMatch } from "./submission/submission-summary.ts";
export { recordOutcomeOfSearch } from "./submission/record-mask-outcome.ts";
export type { RecordMaskOutcomeDeps } from "./submission/record-mask-outcome.ts";
export { completeSubmissionIfDone } from "./submission/complete-submission.ts";
export type { CompletedSubmission, CompleteSubmissionDeps } from "./submission/complete-submission.ts";
export { sweepSubmissions, trackSubmissionSearch } from "./submission/track-submission.ts";
export type { TrackSubmissionDeps } from "./submission/track-submission.ts";
export { submissionProgress } from "./submission/submission-progress.ts";
export type { MaskProgress, MaskState, SubmissionProgress } from "./submission/submission-progress.ts";
