// Public surface of @cds/core, listed by name.
export { CdsError, ImageDecodeError, ImageSizeMismatchError, ParameterError, UserInputError } from "./errors.ts";
export { printable } from "./text/printable.ts";
export { csvCell } from "./text/csv-cell.ts";
export { EMAIL_ADDRESS_PATTERN, isEmailAddress } from "./text/email-address.ts";
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
  colorTestsOf,
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
  sniffImageFormat,
} from "./image/index.ts";
export type { DecodeOptions, Gray16Image, ImageFormat, ImageHeader } from "./image/index.ts";
export { BlobNotFoundError, InputRefusedError } from "./ports/blob-store.ts";
export type { BlobStore, InputLimits, PutOptions, RangedObject } from "./ports/blob-store.ts";
export { codeOfValue, encodeTarget } from "./library/encoded-target.ts";
export type { EncodedTarget } from "./library/encoded-target.ts";
export { applyMetadata, itemMetadataFromPath, metadataFor, MAX_METADATA_ROWS, METADATA_FIELDS, MetadataFileError, parseMetadataFile } from "./library/item-metadata.ts";
export type { ItemMetadata, MetadataField, MetadataTable } from "./library/item-metadata.ts";
export { LibraryFormatError, readShard, writeShard } from "./library/shard-format.ts";
export type { Shard, ShardHeader } from "./library/shard-format.ts";
export { buildShard } from "./library/shard-builder.ts";
export { loadTarget, thresholdPalette } from "./library/shard-scorer.ts";
export type { BuiltShard, ShardSource, SkippedImage } from "./library/shard-builder.ts";
export {
  checksumOf,
  ITEM_CHUNK_SIZE,
  itemChunkKey,
  LIBRARY_FORMAT_VERSION,
  layoutOf,
  MANIFEST_KEY,
  buildDescriptorKey,
  SUPERSEDED_VERSION_RETENTION_MS,
  readDescriptor,
  readItemMetadata,
  readManifest,
  readShardPage,
  SHARD_PAGE_SIZE,
  shardKey,
  shardPageKey,
  writeLibraryFiles,
} from "./library/library-manifest.ts";
export type { LibraryDescriptor, LibraryLayout, LibraryManifest, ShardEntry, ShardPageEntry } from "./library/library-manifest.ts";
export { libraryList, libraryOfIndex, libraryParts, MAX_LIBRARIES_PER_SEARCH, unionLayout, unionStore } from "./library/library-union.ts";
export type { LibraryPart } from "./library/library-union.ts";
export { checkedShards, isLibraryDamage, ShardChecksumError } from "./library/checked-shards.ts";
export { chunks, shuffled } from "./library/shuffle.ts";
export { compareMatches, mergeRankings } from "./search/ranking.ts";
export type { ScoredTarget, TargetMatch } from "./search/ranking.ts";
export { createSearchScratch, searchLibraryRange } from "./search/batch-search.ts";
export type { BatchSearchOptions, BatchSearchResult, SearchScratch } from "./search/batch-search.ts";
export { encodePackBitsTiff } from "./image/tiff-encoder.ts";
export { createPrng, deriveSeed } from "./prng.ts";
export type { Prng, Seed } from "./prng.ts";
export { defaultStateTableLayout, STATE_SERVICE, STATE_TTL_ATTRIBUTE, stateTableDefinition, stateTableLayout } from "./entities/state-table.ts";
export type { StateTableDefinition, StateTableLayout, StateTableLayoutOverrides } from "./entities/state-table.ts";
export type { EntityClause } from "./entities/entity-clause.ts";
export { isInFlight, SEARCH_STATUSES, searchEntity } from "./entities/search.ts";
export type { SearchedLibrary, SearchEntity, SearchFailure, SearchItem, SearchStatus } from "./entities/search.ts";
export { uploadClaimEntity } from "./entities/upload-claim.ts";
export type { UploadClaimEntity, UploadClaimItem } from "./entities/upload-claim.ts";
export { batchResultEntity } from "./entities/batch-result.ts";
export type { BatchResultEntity, BatchResultItem } from "./entities/batch-result.ts";
export { completionGroupEntity } from "./entities/completion-group.ts";
export type { CompletionGroupEntity, CompletionGroupItem } from "./entities/completion-group.ts";
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
export { createStateStore, stateService } from "./state/service.ts";
export type { StateStore, StateStoreOptions } from "./state/service.ts";
export { DEFAULT_BATCH_RESULT_TTL_SECONDS, mapLimited } from "./state/completion-access.ts";
export type { BatchListing, BatchRecording, BatchResult, LeafState, NewBatchResult, Reconciliation } from "./state/completion-access.ts";
export type { NewSearch, Page, PageRequest, SearchCreation, SearchResults } from "./state/search-access.ts";
export type { DeliveryAttempt, NewSubscription } from "./state/webhook-access.ts";
export type { NewLibrary } from "./state/library-access.ts";
export type { SlotAcquisition, SlotLimits } from "./admission/admission-access.ts";
export { isThrottle, onThrottledWrite, retryThrottled } from "./state/throttle-retry.ts";
export type { ThrottleRetryOptions } from "./state/throttle-retry.ts";
export type { MaskOutcomeRecord, NewSubmission, NewSubmissionMask, SubmissionCompletion, SubmissionRecording } from "./state/submission-access.ts";
export { BatchResultRejectedError, IllegalStatusTransitionError, SearchNotFoundError, StateError } from "./state/state-errors.ts";
export { isConditionFailure } from "./state/condition-failure.ts";
export { EMAIL_CLAIM_LEASE_MS, EmailInFlightError } from "./state/email-notice-access.ts";
export { decodeMatches, encodeMatches } from "./state/matches-codec.ts";
export type { Invoker } from "./ports/invoker.ts";
export { noTelemetry, telemetryMetrics } from "./ports/telemetry.ts";
export type { Telemetry } from "./ports/telemetry.ts";
export { batchOfRule, DEFAULT_MAX_PARALLELISM, planBatches, planBatchRule, planLibraryBatchRules } from "./planning/batch-plan.ts";
export type { BatchPlan, BatchPlanOptions, BatchRange, BatchRule, LibraryExtent } from "./planning/batch-plan.ts";
export { childCount, childrenOf, leafAt, leafCount, leafNumber, leafOf, MAX_FAN_OUT, nodeId, parentOf, planDispatchTree, rootOf } from "./planning/dispatch-tree.ts";
export type { DispatcherChildren, DispatcherNode, DispatchTree, DispatchTreeOptions } from "./planning/dispatch-tree.ts";
export { batchCountOf, batchSourceOf, DispatchError, librarySources, planDispatch, runDispatchNode, workerPayloads } from "./planning/dispatch.ts";
export type { BatchSource, LibraryBatches, DispatchFunctionNames, DispatchIo, DispatchOutcome, DispatcherPayload, WorkerPayload } from "./planning/dispatch.ts";
export { parseDispatcherPayload, parseWorkerPayload, PayloadError } from "./planning/payload-schemas.ts";
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
export { generateWebhookSecret, secretFingerprint, signingSecretsOf, signWebhook, WEBHOOK_SECRET_PREFIX } from "./notify/webhook-signature.ts";
export { checkWebhookTarget, checkWebhookUrl, forbiddenAddressKind, hostOfUrl, refusal as webhookTargetRefusal, WebhookTargetRefusedError } from "./notify/webhook-target.ts";
export type { ForbiddenAddressKind, HostResolver } from "./notify/webhook-target.ts";
export { WEBHOOK_EVENT_TYPES } from "./notify/webhook-events.ts";
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
export { DEFAULT_MASK_MAX_BYTES, readUserInput, SIDECAR_MAX_BYTES, tooLarge } from "./pipeline/read-user-input.ts";
export type { UploadParametersSource } from "./pipeline/read-upload-parameters.ts";
export type { LibraryStores, SourceImageReader } from "./pipeline/pipeline-ports.ts";
export { submissionTagOf, uploadLocationOf, uploadSettingsOf } from "./pipeline/upload-settings.ts";
export { UPLOAD_FORM_FIELDS, uploadFormDefaults, uploadFormSidecar, type UploadFormField } from "./pipeline/upload-form.ts";
export type { SubmissionTag, UploadLocation, UploadSettings } from "./pipeline/upload-settings.ts";
export { checkMask } from "./pipeline/check-mask.ts";
export type { CheckedMask, MaskCheck } from "./pipeline/check-mask.ts";
export { specOfSearch } from "./pipeline/search-job.ts";
export type { SearchJob, SearchSpec } from "./pipeline/search-job.ts";
export { acceptUpload, specOfUpload } from "./pipeline/accept-upload.ts";
export type { AcceptUploadDeps, UploadedObject, UploadOutcome } from "./pipeline/accept-upload.ts";
export { planSearch, startSearch, treeOfSearch } from "./admission/start-search.ts";
export type { PlannedSearch, StartedSearch, StartSearchDeps } from "./admission/start-search.ts";
export { combineSearch, combinedSearchOf } from "./pipeline/combine-search.ts";
export type { CombinedSearch, CombineSearchDeps } from "./pipeline/combine-search.ts";
export { failSearch, stageEndedByFailureOf, stageFailureReason } from "./pipeline/fail-search.ts";
export type { FailingStage } from "./pipeline/fail-search.ts";
export { leafPayloads, resumeSearch } from "./pipeline/resume-search.ts";
export type { ResumeAction } from "./pipeline/resume-search.ts";
export { decideSweep } from "./pipeline/sweep-search.ts";
export type { SweepDecision, SweepFacts } from "./pipeline/sweep-search.ts";
export { admitNextSearch, checkMaxRunning, checkRunningSlots, checkWorkerBudget, DEFAULT_WORKER_BUDGET, defaultMaxRunning, MIN_WORKER_GRANT } from "./admission/admit.ts";
export type { AdmissionDeps, SlotCheck } from "./admission/admit.ts";
export { admitWaitingSearches, startAdmittedSearch, sweepAdmission } from "./admission/admit-waiting.ts";
export type { AdmitWaitingDeps, SearchLauncher } from "./admission/admit-waiting.ts";
export { canonicalSettings, maskIdOf, submissionIdOf } from "./submission/mask-identity.ts";
export { prepareSubmission } from "./submission/prepare-submission.ts";
export type { PlannedMask, RejectedMask, SubmissionInput, SubmissionLibrary, SubmissionPlan } from "./submission/prepare-submission.ts";
export { submitMasks } from "./submission/submit-masks.ts";
export type { SubmissionReceipt, SubmitMasksDeps } from "./submission/submit-masks.ts";
export { buildSubmissionSummary, SUBMISSION_SUMMARY_VERSION, submissionSummaryCsv, summaryKeysOf } from "./submission/submission-summary.ts";
export { TOP_MATCHES_REPORTED } from "./results/top-matches.ts";
export type { SubmissionSummary, SummaryMask, SummaryMatch } from "./submission/submission-summary.ts";
export { recordOutcomeOfSearch } from "./submission/record-mask-outcome.ts";
export type { RecordMaskOutcomeDeps } from "./submission/record-mask-outcome.ts";
export { completeSubmissionIfDone } from "./submission/complete-submission.ts";
export type { CompletedSubmission, CompleteSubmissionDeps } from "./submission/complete-submission.ts";
export { sweepSubmissions, trackSubmissionSearch } from "./submission/track-submission.ts";
export type { TrackSubmissionDeps } from "./submission/track-submission.ts";
export { submissionProgress } from "./submission/submission-progress.ts";
export type { MaskProgress, MaskState, SubmissionProgress } from "./submission/submission-progress.ts";
export { recentSearches, withBatchProgress } from "./pipeline/search-progress.ts";
// Second-stage ranking: NeuronBridge's 2-D shape (gradient) score and normalised score.
export {
  defaultShapeParams,
  GRADIENT_RADIUS,
  ZGAP_FALLBACK_RADIUS,
  ZGAP_RADIUS,
} from "./shape/shape-params.ts";
export type { ShapeParams } from "./shape/shape-params.ts";
export { gradientImage, gradientImagePlain } from "./shape/gradient-image.ts";
export { zgapImage, zgapImagePlain } from "./shape/zgap-image.ts";
export { queryImagesPlain } from "./shape/query-images.ts";
export type { QueryImages } from "./shape/query-images.ts";
export { prepareShapeQuery } from "./shape/prepared-shape-query.ts";
export type { PreparedShapeQuery } from "./shape/prepared-shape-query.ts";
export { shapeTargetFromImages, shapeTargetOf, targetSignal } from "./shape/shape-target.ts";
export type { ShapeTarget } from "./shape/shape-target.ts";
export { scoreShape } from "./shape/shape-scorer.ts";
export { scoreShapePlain } from "./shape/shape-score-plain.ts";
export { shapeScoreOf } from "./shape/shape-score.ts";
export type { ShapeScore } from "./shape/shape-score.ts";
export { normalizedScore } from "./shape/normalized-score.ts";
export { DEFAULT_SHAPE_TOP_LINES, lineOf, rankByShape, shortlistForShape } from "./shape/shape-ranking.ts";
export type { ShapeRankedMatch } from "./shape/shape-ranking.ts";
export { createSliceTable, sliceNumber } from "./shape/slice-gap.ts";
export type { SliceTable } from "./shape/slice-gap.ts";
export { loadLutFile, LUT_SIZE, parseLut, rainbowLut } from "./image/rainbow-lut.ts";
export type { Lut } from "./image/rainbow-lut.ts";
export { decodeShapeCompanion, encodeShapeCompanion, SHAPE_COMPANION_VERSION, shapeCompanionKey, shapeInfoKey } from "./shape/shape-companion.ts";
export type { ShapeCompanionHeader, ShapeLibraryInfo } from "./shape/shape-companion.ts";
export { companionKeyOf, rankLibraryMatchesByShape, readShapeLibraryInfo, scoreShapeBatch } from "./shape/shape-stage.ts";
