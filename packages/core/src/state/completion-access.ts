import type { BatchResultEntity, BatchResultItem } from "../entities/batch-result.ts";
import type { CompletionGroupEntity, CompletionGroupItem } from "../entities/completion-group.ts";
import type { EntityClause } from "../entities/entity-clause.ts";
import {
  childCount,
  childrenOf,
  leafOf,
  nodeId,
  ordinalInParent,
  parentOf,
  rootOf,
  type DispatcherNode,
  type DispatchTree,
} from "../planning/dispatch-tree.ts";
import type { ScoredTarget } from "../search/ranking.ts";
import { isConditionFailure } from "./condition-failure.ts";
import { decodeMatches, encodeMatches } from "./matches-codec.ts";
import { BatchResultRejectedError } from "./state-errors.ts";
import { retryThrottled } from "./throttle-retry.ts";

/** How long batch results and completion groups live after they are written, unless told otherwise: 30 days. */
export const DEFAULT_BATCH_RESULT_TTL_SECONDS = 30 * 24 * 3600;

/** DynamoDB items stop at 400 KB; a batch result's keys and counts need a little room. */
const MATCHES_MAX_STORED_BYTES = 390 * 1024;

/** Partitions read at once when a search's batch results are listed. */
const READ_CONCURRENCY = 32;

/** One worker's output for one batch. */
export type NewBatchResult = {
  searchId: string;
  batchId: number;
  /** The search's dispatch tree (from the worker's payload): where the batch is counted. */
  tree: DispatchTree;
  matches: readonly ScoredTarget[];
  /** The mask's size: every match's ratio is matchingPixels / maskSize. */
  maskSize: number;
  /** How many targets the batch scored. */
  scored: number;
  completedAt?: string;
};

/** A stored batch result with its matches decoded. */
export type BatchResult = Omit<BatchResultItem, "matches"> & { matches: ScoredTarget[] };

/** What recording one batch did. */
export type BatchRecording = {
  /** False when the batch was already stored (a retry or a duplicate). */
  recorded: boolean;
  /** Whether this call added the batch to its leaf group (false: it was counted before). */
  counted: boolean;
  /** The leaf group this call completed, if it did (exactly one call per leaf): it starts the leaf's next wave. */
  completedLeaf?: DispatcherNode;
  /**
   * True for exactly one call per search: the one that announced the root group's completion.
   * That caller emits `Search Batches Completed`.
   */
  reachedBatchCount: boolean;
};

/** A search's stored batches, read from every leaf partition once. */
export type BatchListing = { results: BatchResult[]; missingBatches: number[] };

/** What a reconciliation found and did. */
export type Reconciliation = {
  /** Stored batch results. */
  recordedBatches: number;
  batchCount: number;
  /** Batches with no stored result. */
  missingBatches: number[];
  /** Whether this call counted anything that had been stored but not counted. */
  repaired: boolean;
  /** True when this call announced the root's completion: emit `Search Batches Completed`. */
  reachedBatchCount: boolean;
};

/** A leaf's state, as the sweeper weighs it. */
export type LeafState = { leaf: DispatcherNode; done: number; dispatchedAt?: string };

// ---------------------------------------------------------------------------------------
// Named clauses

/** A batch is stored once: a retried or duplicated worker's put is refused. */
const batchNotYetRecorded: EntityClause<BatchResultEntity> = ({ batchId }, { notExists }) => notExists(batchId);

/**
 * A child counts once in its group: the add holds only while the child's ordinal is absent, so
 * the set grows by one per child and exactly one writer sees it reach `expected`.
 */
function childNotYetDone(ordinal: number): EntityClause<CompletionGroupEntity> {
  return ({ done }, { contains }) => `NOT ${contains(done, ordinal)}`;
}

/** The root's completion is announced once: the first writer of `announcedAt` emits the event. */
const rootNotYetAnnounced: EntityClause<CompletionGroupEntity> = ({ announcedAt }, { notExists }) => notExists(announcedAt);

/**
 * Batches and their completion, counted in a tree of completion groups that mirrors the dispatch
 * tree (see `entities/completion-group.ts`). A worker writes its batch result in its leaf's
 * partition, adds its batch to its leaf's group; the write that completes a group adds that group
 * to its parent; the write that completes the root announces it. No step reads or writes the
 * search item, and every item and partition takes at most a node's fan-out (≤ 64) writes.
 *
 * Every step is idempotent, so a worker that died anywhere in the chain is finished by its retry,
 * or by `reconcileCompletion` (the sweeper, a restart): a refused add on a complete group still
 * goes on to the parent. A crash after announcing but before publishing leaves a completed,
 * announced root on a running search, which the sweeper announces again (the combiner is
 * idempotent).
 *
 * @example
 * const access = completionAccess({ batchResult, completionGroup }, () => new Date(), ttl);
 * const { reachedBatchCount } = await access.recordBatchResult({ searchId, batchId, tree, matches, maskSize, scored });
 */
export function completionAccess(entities: { batchResult: BatchResultEntity; completionGroup: CompletionGroupEntity }, now: () => Date, ttlSeconds: number) {
  const { batchResult: batchResults, completionGroup: groups } = entities;
  const ttl = () => Math.floor(now().getTime() / 1000) + ttlSeconds;
  const counting = completionCounting(groups, now, ttl);
  const listings = batchListings(batchResults, counting);
  return {
    ...batchRecording(batchResults, counting, now, ttl),
    listBatchResults: listings.listBatchResults,
    listMissingBatches: listings.listMissingBatches,
    countCompletedBatches: listings.countCompletedBatches,
    ...leafTracking(groups, counting, now, ttl),
    ...completionRepair(listings, counting),
  };
}

/** Counting a child into its group, up the tree to the root's one announcement, and reading groups back. */
function completionCounting(groups: CompletionGroupEntity, now: () => Date, ttl: () => number) {
  /**
   * Adds child `ordinal` to `node`'s group; if the group is complete (by this write, or found so),
   * goes on to the parent, and at the root announces completion once.
   */
  async function completeChild(searchId: string, tree: DispatchTree, node: DispatcherNode, ordinal: number): Promise<{ added: boolean; completedLeaf?: DispatcherNode; announced: boolean }> {
    let added = true;
    let group: Pick<CompletionGroupItem, "done" | "expected"> | undefined;
    try {
      const { data } = await retryThrottled(() =>
        groups
          .update({ searchId, node: nodeId(node) })
          .add({ done: [ordinal] })
          .set({ expected: childCount(tree, node), ttl: ttl() })
          .where(childNotYetDone(ordinal))
          .go({ response: "all_new" }),
      );
      group = data;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      added = false;
      group = await getGroup(searchId, node);
    }
    const complete = (group?.done?.length ?? 0) >= childCount(tree, node);
    const isLeaf = node.level === tree.levels - 1;
    if (!complete) return { added, announced: false };
    const completedLeaf = isLeaf && added ? node : undefined;
    const parent = parentOf(tree, node);
    const announced = parent ? (await completeChild(searchId, tree, parent, ordinalInParent(tree, node))).announced : await announceRoot(searchId, tree);
    return { added, ...(completedLeaf ? { completedLeaf } : {}), announced };
  }

  /** The root is complete: announce it, once. */
  async function announceRoot(searchId: string, tree: DispatchTree): Promise<boolean> {
    try {
      await retryThrottled(() => groups.patch({ searchId, node: nodeId(rootOf(tree)) }).set({ announcedAt: now().toISOString() }).where(rootNotYetAnnounced).go({ response: "none" }));
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  async function getGroup(searchId: string, node: DispatcherNode): Promise<CompletionGroupItem | undefined> {
    const { data } = await groups.get({ searchId, node: nodeId(node) }).go({ consistent: true });
    return data ?? undefined;
  }

  /** Every node's group that exists, by node id (BatchGet, 100 keys a request). */
  async function groupsOf(searchId: string, nodes: readonly DispatcherNode[]): Promise<Map<string, CompletionGroupItem>> {
    const found = new Map<string, CompletionGroupItem>();
    for (let i = 0; i < nodes.length; i += 100) {
      const keys = nodes.slice(i, i + 100).map((node) => ({ searchId, node: nodeId(node) }));
      const { data, unprocessed } = await groups.get(keys).go({ consistent: true });
      for (const item of data as CompletionGroupItem[]) found.set(item.node, item);
      for (const key of unprocessed) {
        const { data: one } = await groups.get({ searchId, node: key.node }).go({ consistent: true });
        if (one) found.set(one.node, one);
      }
    }
    return found;
  }

  return { completeChild, announceRoot, getGroup, groupsOf };
}
type CompletionCounting = ReturnType<typeof completionCounting>;

/** Storing a worker's batch result once and counting it once. */
function batchRecording(batchResults: BatchResultEntity, { completeChild }: CompletionCounting, now: () => Date, ttl: () => number) {
  /**
   * Batch B of search S finished: store it (once) and count it (once) — however often it is
   * retried — and say whether it completed its leaf or the whole search.
   */
  async function recordBatchResult(input: NewBatchResult): Promise<BatchRecording> {
    const { tree } = input;
    const matches = checkedMatches(input);
    const leaf = leafOf(tree, input.batchId);
    const completedAt = input.completedAt ?? now().toISOString();
    let recorded = true;
    try {
      await retryThrottled(() =>
        batchResults
          .put({ searchId: input.searchId, group: leaf.firstBatch, batchId: input.batchId, matches, maskSize: input.maskSize, scored: input.scored, completedAt, ttl: ttl() })
          .where(batchNotYetRecorded)
          .go({ response: "none" }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      recorded = false; // stored before: counting it again below is idempotent
    }
    const counting = await completeChild(input.searchId, tree, leaf, input.batchId - leaf.firstBatch);
    return { recorded, counted: counting.added, ...(counting.completedLeaf ? { completedLeaf: counting.completedLeaf } : {}), reachedBatchCount: counting.announced };
  }

  return { recordBatchResult };
}

/** The batch result's matches, encoded, once it is known to be one of the search's batches and small enough to store. */
function checkedMatches(input: NewBatchResult): Uint8Array {
  if (!Number.isInteger(input.batchId) || input.batchId < 0 || input.batchId >= input.tree.batchCount) {
    throw new BatchResultRejectedError(input.searchId, input.batchId, `batch ${input.batchId} is not one of search ${input.searchId}'s ${input.tree.batchCount} batches`);
  }
  const matches = encodeMatches(input.matches);
  if (matches.byteLength > MATCHES_MAX_STORED_BYTES) {
    throw new BatchResultRejectedError(
      input.searchId,
      input.batchId,
      `batch ${input.batchId}'s ${input.matches.length} matches take ${matches.byteLength} bytes; a batch result holds at most ${MATCHES_MAX_STORED_BYTES}: keep fewer top matches per batch`,
    );
  }
  return matches;
}

/** Reads of a search's stored batches and of its leaves' counts. */
function batchListings(batchResults: BatchResultEntity, { groupsOf }: CompletionCounting) {
  /**
   * Which results have search S's batches produced, and which batches have none? One query per
   * leaf partition, `READ_CONCURRENCY` at a time, each read once.
   */
  async function listBatchResults(searchId: string, tree: DispatchTree): Promise<BatchListing> {
    const leaves = nodesAt(tree, tree.levels - 1);
    const perLeaf = await mapLimited(leaves, READ_CONCURRENCY, async (leaf) => {
      const { data } = await batchResults.query.byGroup({ searchId, group: leaf.firstBatch }).go({ pages: "all", consistent: true });
      return data;
    });
    const results = perLeaf.flat().map(({ matches, ...rest }) => ({ ...rest, matches: decodeMatches(new Uint8Array(matches), rest.maskSize) }));
    return { results: results.sort((a, b) => a.batchId - b.batchId), missingBatches: missingOf(tree, results) };
  }

  /** Which of search S's batches have a stored result? (Batch ids only, every leaf partition read once.) */
  async function storedBatchIds(searchId: string, tree: DispatchTree): Promise<number[]> {
    const leaves = nodesAt(tree, tree.levels - 1);
    const perLeaf = await mapLimited(leaves, READ_CONCURRENCY, async (leaf) => {
      const { data } = await batchResults.query.byGroup({ searchId, group: leaf.firstBatch }).go({ pages: "all", consistent: true, attributes: ["batchId"] });
      return data.map((row) => row.batchId);
    });
    return perLeaf.flat();
  }

  /** Which of search S's batches have no stored result? */
  async function listMissingBatches(searchId: string, tree: DispatchTree): Promise<number[]> {
    return missingOf(tree, (await storedBatchIds(searchId, tree)).map((batchId) => ({ batchId })));
  }

  /** How many of search S's batches are counted so far (the leaves' groups; for progress displays). */
  async function countCompletedBatches(searchId: string, tree: DispatchTree): Promise<number> {
    const found = await groupsOf(searchId, nodesAt(tree, tree.levels - 1));
    let done = 0;
    for (const group of found.values()) done += group.done?.length ?? 0;
    return done;
  }

  return { listBatchResults, storedBatchIds, listMissingBatches, countCompletedBatches };
}

/** The leaves' dispatch marks and counts the sweeper weighs, and the root's announcement. */
function leafTracking(groups: CompletionGroupEntity, { getGroup, groupsOf }: CompletionCounting, now: () => Date, ttl: () => number) {
  /** Leaf L started its workers at `at`: its batches count as in flight for a while. One write per leaf dispatch. */
  async function recordLeafDispatched(searchId: string, tree: DispatchTree, leaf: DispatcherNode, at: string = now().toISOString()): Promise<void> {
    await retryThrottled(() => groups.update({ searchId, node: nodeId(leaf) }).set({ dispatchedAt: at, expected: childCount(tree, leaf), ttl: ttl() }).go({ response: "none" }));
  }

  /** Every leaf's count and last dispatch, in leaf order (for the sweeper). */
  async function listLeafStates(searchId: string, tree: DispatchTree): Promise<LeafState[]> {
    const leaves = nodesAt(tree, tree.levels - 1);
    const found = await groupsOf(searchId, leaves);
    return leaves.map((leaf) => {
      const group = found.get(nodeId(leaf));
      return { leaf, done: group?.done?.length ?? 0, ...(group?.dispatchedAt ? { dispatchedAt: group.dispatchedAt } : {}) };
    });
  }

  /** Whether search S's root completion was announced (a running search with an announced root lost its event). */
  async function rootAnnouncedAt(searchId: string, tree: DispatchTree): Promise<string | undefined> {
    return (await getGroup(searchId, rootOf(tree)))?.announcedAt;
  }

  return { recordLeafDispatched, listLeafStates, rootAnnouncedAt };
}

/** Bringing a completion tree back in line with the stored batches (see `reconcileCompletion`). */
function completionRepair({ storedBatchIds }: ReturnType<typeof batchListings>, { completeChild, announceRoot, getGroup, groupsOf }: CompletionCounting) {
  /**
   * Does search S's completion tree agree with its stored batches? Repair it if not: counts every
   * stored batch its leaf has not counted, records every complete group its parent has not, and
   * announces a complete root that nobody announced. Idempotent; `reachedBatchCount` is true for
   * the one call that announces.
   */
  async function reconcileCompletion(searchId: string, tree: DispatchTree): Promise<Reconciliation> {
    const stored = new Set(await storedBatchIds(searchId, tree));
    const nodes = allNodes(tree);
    const before = await groupsOf(searchId, nodes);
    let repaired = false;
    let announced = false;
    const has = (node: DispatcherNode, ordinal: number) => (before.get(nodeId(node))?.done ?? []).includes(ordinal);
    for (const batchId of stored) {
      const leaf = leafOf(tree, batchId);
      if (has(leaf, batchId - leaf.firstBatch)) continue;
      const counted = await completeChild(searchId, tree, leaf, batchId - leaf.firstBatch);
      repaired ||= counted.added;
      announced ||= counted.announced;
    }
    // Groups that were complete before but never reached their parent (a crash inside the chain).
    for (const node of nodes) {
      const parent = parentOf(tree, node);
      const group = before.get(nodeId(node));
      if (!parent || (group?.done?.length ?? 0) < childCount(tree, node) || has(parent, ordinalInParent(tree, node))) continue;
      const counted = await completeChild(searchId, tree, parent, ordinalInParent(tree, node));
      repaired ||= counted.added;
      announced ||= counted.announced;
    }
    const root = await getGroup(searchId, rootOf(tree));
    if (!announced && (root?.done?.length ?? 0) >= childCount(tree, rootOf(tree)) && !root?.announcedAt) announced = await announceRoot(searchId, tree);
    const missingBatches = missingOf(tree, [...stored].map((batchId) => ({ batchId })));
    return { recordedBatches: stored.size, batchCount: tree.batchCount, missingBatches, repaired, reachedBatchCount: announced };
  }

  return { reconcileCompletion };
}

/** The tree's nodes at one level, left to right. */
function nodesAt(tree: DispatchTree, level: number): DispatcherNode[] {
  let nodes = [rootOf(tree)];
  for (let l = 0; l < level; l++) {
    nodes = nodes.flatMap((node) => {
      const children = childrenOf(tree, node);
      return children.kind === "dispatchers" ? children.nodes : [];
    });
  }
  return nodes;
}

/** Every node, leaves first (so repairs go bottom-up). */
function allNodes(tree: DispatchTree): DispatcherNode[] {
  const nodes: DispatcherNode[] = [];
  for (let level = tree.levels - 1; level >= 0; level--) nodes.push(...nodesAt(tree, level));
  return nodes;
}

function missingOf(tree: DispatchTree, present: readonly { batchId: number }[]): number[] {
  const seen = new Set(present.map((r) => r.batchId));
  const missing: number[] = [];
  for (let b = 0; b < tree.batchCount; b++) if (!seen.has(b)) missing.push(b);
  return missing;
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const k = next++;
      results[k] = await fn(items[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
