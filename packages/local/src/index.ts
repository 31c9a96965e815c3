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
