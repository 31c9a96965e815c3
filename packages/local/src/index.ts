// Public surface of @cds/local, listed by name.
export { FolderBlobStore } from "./folder-blob-store.ts";
export { LibrarySourceError, listLibrarySource } from "./library-source.ts";
export type { LibrarySource, SourceImage } from "./library-source.ts";
export { indexLibrary, indexSyntheticLibrary, LibraryIndexError } from "./library-indexer.ts";
export type { IndexOptions, IndexProgress, SyntheticIndexOptions } from "./library-indexer.ts";
export { WorkerPool } from "./worker-pool.ts";
export { runLocalSearch } from "./search-runner.ts";
export type { LocalSearchOptions, LocalSearchResult, SearchTarget } from "./search-runner.ts";
export { writeSyntheticFiles } from "./synthetic-files.ts";
export type { SyntheticFiles } from "./synthetic-files.ts";
export { LocalEventBus, localAccount, localRegion } from "./event-bus/local-event-bus.ts";
export type { DeliveryContext, EventHandler, LocalEventBusOptions, PublishEntry } from "./event-bus/local-event-bus.ts";
export { DeliveryError } from "./event-bus/delivery-error.ts";
export { EventLog, EventLogError } from "./event-bus/event-log.ts";
