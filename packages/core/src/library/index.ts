// @cds/core's public surface: the names of @cds/core/library that other packages import, listed by name.
export { checkedShards, isLibraryDamage } from "./checked-shards.ts";
export { encodeTarget } from "./encoded-target.ts";
export { itemMetadataFromPath, metadataFor, parseMetadataFile } from "./item-metadata.ts";
export type { ItemMetadata, MetadataTable } from "./item-metadata.ts";
export { buildDescriptorKey, checksumOf, itemChunkKey, layoutOf, LIBRARY_FORMAT_VERSION, MANIFEST_KEY, readDescriptor, readItemMetadata, readManifest, readShardPage, shardKey, shardPageKey, SUPERSEDED_VERSION_RETENTION_MS, writeLibraryFiles } from "./library-manifest.ts";
export type { LibraryDescriptor, LibraryLayout, LibraryManifest, ShardEntry } from "./library-manifest.ts";
export { libraryList, libraryParts, MAX_LIBRARIES_PER_SEARCH, unionLayout, unionStore } from "./library-union.ts";
export { buildShard } from "./shard-builder.ts";
export type { BuiltShard, ShardSource, SkippedImage } from "./shard-builder.ts";
export { LibraryFormatError, readShard, writeShard } from "./shard-format.ts";
export { loadTarget, thresholdPalette } from "./shard-scorer.ts";
export { chunks, shuffled } from "./shuffle.ts";
