/**
 * Level thresholds. Starting N workers must take a few round trips, not N sequential calls.
 * A dispatcher fires its children's async invokes concurrently, but one process keeps only
 * about 50 requests in flight (the AWS SDK's default `maxSockets`), so a node with up to
 * ~50 children starts them all in about one round trip (~20–50 ms), while every extra level
 * costs one more hop (a dispatcher's cold start plus one round trip, ~100–300 ms). So a
 * level is added only when the fan-out per node would otherwise pass what one round
 * carries:
 *  - ≤ 32 batches: the root starts every worker itself, one round, no extra hop (a second
 *    level would cost more than the round it saves).
 *  - ≤ 2,048 batches: two levels, fan-out ≤ ceil(√2048) = 46, still one round per node.
 *    The NeuronBridge fixture (1,126 batches) gets burst-compute v1's branching factor 34.
 *  - above: three levels; at the default cap of 5,000 batches the fan-out is 18, and even
 *    200,000 batches need only 59 per node, about two rounds.
 */
const ONE_LEVEL_MAX_BATCHES = 32;
const TWO_LEVEL_MAX_BATCHES = 2048;

/** Deeper trees only add hops; this also keeps branchingFactor^levels exact in a double. */
const MAX_LEVELS = 10;

/**
 * The most children a node may have. Each node's completion group takes one write per child, and
 * no item may take more than 64 writes per search (DynamoDB serves ~1,000 writes/s per item and
 * per partition, and a search's workers finish within a second or two): a batch count that
 * would need more children per node gets another level instead.
 */
export const MAX_FAN_OUT = 64;

/** The shape of a dispatch tree: plain data, the same on every node of it. */
export interface DispatchTree {
  batchCount: number;
  /** Dispatcher levels; leaves (level `levels − 1`) start workers. */
  levels: number;
  /** The most children any node has: the smallest b with b^levels ≥ batchCount. */
  branchingFactor: number;
}

/** One dispatcher: it is responsible for batches [firstBatch, firstBatch + batchCount). */
export interface DispatcherNode {
  /** 0 is the root. */
  level: number;
  firstBatch: number;
  batchCount: number;
}

/** What a dispatcher starts: sub-dispatchers, or (at the leaves) one worker per batch id. */
export type DispatcherChildren =
  | { kind: "dispatchers"; nodes: DispatcherNode[] }
  | { kind: "workers"; batchIds: number[] };

export interface DispatchTreeOptions {
  /** Overrides the level count chosen from the batch count (1 … 10). */
  levels?: number;
}

/**
 * Plans the recursive dispatcher tree of burst-compute v1 for `batchCount` batches:
 * levels from the batch count (see the thresholds above), branching factor
 * ceil(batchCount^(1/levels)).
 *
 * @example
 * planDispatchTree(1126) // { batchCount: 1126, levels: 2, branchingFactor: 34 }
 */
export function planDispatchTree(batchCount: number, options: DispatchTreeOptions = {}): DispatchTree {
  if (!Number.isSafeInteger(batchCount) || batchCount < 0) {
    throw new RangeError(`a dispatch tree needs a whole number of batches, not ${batchCount}`);
  }
  let levels = options.levels ?? levelsFor(batchCount);
  if (options.levels === undefined) while (levels < MAX_LEVELS && integerRootCeil(batchCount, levels) > MAX_FAN_OUT) levels++;
  if (!Number.isInteger(levels) || levels < 1 || levels > MAX_LEVELS) {
    throw new RangeError(`a dispatch tree has 1 to ${MAX_LEVELS} levels, not ${levels}`);
  }
  return { batchCount, levels, branchingFactor: integerRootCeil(batchCount, levels) };
}

/**
 * The root dispatcher of a tree.
 *
 * @example
 * rootOf(planDispatchTree(1126)) // { level: 0, firstBatch: 0, batchCount: 1126 }
 */
export function rootOf(tree: DispatchTree): DispatcherNode {
  return { level: 0, firstBatch: 0, batchCount: tree.batchCount };
}

/**
 * What one dispatcher starts. A node at level l covers at most b^(levels − l) batches; it
 * splits them into runs of b^(levels − l − 1), so it never has more than b children.
 *
 * @example
 * const tree = planDispatchTree(1126);
 * childrenOf(tree, rootOf(tree)) // { kind: "dispatchers", nodes: [{ level: 1, firstBatch: 0, batchCount: 34 }, …] } (34 nodes)
 */
export function childrenOf(tree: DispatchTree, node: DispatcherNode): DispatcherChildren {
  assertNodeOf(tree, node);
  const end = node.firstBatch + node.batchCount;
  if (node.level === tree.levels - 1) {
    const batchIds: number[] = [];
    for (let id = node.firstBatch; id < end; id++) batchIds.push(id);
    return { kind: "workers", batchIds };
  }
  const span = tree.branchingFactor ** (tree.levels - node.level - 1);
  const nodes: DispatcherNode[] = [];
  for (let first = node.firstBatch; first < end; first += span) {
    nodes.push({ level: node.level + 1, firstBatch: first, batchCount: Math.min(span, end - first) });
  }
  return { kind: "dispatchers", nodes };
}

function levelsFor(batchCount: number): number {
  if (batchCount <= ONE_LEVEL_MAX_BATCHES) return 1;
  if (batchCount <= TWO_LEVEL_MAX_BATCHES) return 2;
  return 3;
}

/** The smallest b ≥ 1 with b^k ≥ n, in integers: Math.pow(n, 1/k) can land just above a whole root. */
function integerRootCeil(n: number, k: number): number {
  let b = Math.max(1, Math.round(n ** (1 / k)));
  while (b ** k < n) b++;
  while (b > 1 && (b - 1) ** k >= n) b--;
  return b;
}

/** Nodes arrive in payloads; a malformed one must fail loudly, not start the wrong workers. */
function assertNodeOf(tree: DispatchTree, node: DispatcherNode): void {
  const ok =
    Number.isInteger(node.level) &&
    node.level >= 0 &&
    node.level < tree.levels &&
    Number.isInteger(node.firstBatch) &&
    Number.isInteger(node.batchCount) &&
    node.firstBatch >= 0 &&
    node.batchCount >= 0 &&
    node.firstBatch + node.batchCount <= tree.batchCount &&
    node.batchCount <= tree.branchingFactor ** (tree.levels - node.level);
  if (!ok) {
    throw new RangeError(
      `dispatcher node ${JSON.stringify(node)} does not belong to a tree of ${tree.batchCount} batches, ${tree.levels} levels, branching ${tree.branchingFactor}`,
    );
  }
}

/**
 * A node's id in its search: `<level>-<firstBatch>` (the key of its completion group).
 *
 * @example
 * nodeId({ level: 1, firstBatch: 34 }) // "1-34"
 */
export function nodeId(node: Pick<DispatcherNode, "level" | "firstBatch">): string {
  return `${node.level}-${node.firstBatch}`;
}

/** How many batches a node at `level` covers at most. */
function spanAt(tree: DispatchTree, level: number): number {
  return tree.branchingFactor ** (tree.levels - level);
}

/**
 * The node at `level` that holds batch `batchId`.
 *
 * @example
 * const tree = planDispatchTree(1126);
 * nodeHolding(tree, 1, 40) // { level: 1, firstBatch: 34, batchCount: 34 }
 */
export function nodeHolding(tree: DispatchTree, level: number, batchId: number): DispatcherNode {
  if (!Number.isInteger(batchId) || batchId < 0 || batchId >= tree.batchCount) {
    throw new RangeError(`batch ${batchId} is not one of the tree's ${tree.batchCount} batches`);
  }
  const span = spanAt(tree, level);
  const firstBatch = Math.floor(batchId / span) * span;
  return { level, firstBatch, batchCount: Math.min(span, tree.batchCount - firstBatch) };
}

/** The leaf (the lowest dispatcher) that starts batch `batchId`'s worker. */
export function leafOf(tree: DispatchTree, batchId: number): DispatcherNode {
  return nodeHolding(tree, tree.levels - 1, batchId);
}

/** The node's parent, or undefined for the root. */
export function parentOf(tree: DispatchTree, node: DispatcherNode): DispatcherNode | undefined {
  return node.level === 0 ? undefined : nodeHolding(tree, node.level - 1, node.firstBatch);
}

/** How many children a node has: batches at a leaf, child nodes above. */
export function childCount(tree: DispatchTree, node: DispatcherNode): number {
  return node.level === tree.levels - 1 ? node.batchCount : Math.ceil(node.batchCount / spanAt(tree, node.level + 1));
}

/** Which child of its parent a node is (0-based), or which child of its leaf a batch is. */
export function ordinalInParent(tree: DispatchTree, node: DispatcherNode): number {
  return (node.firstBatch % spanAt(tree, node.level - 1)) / spanAt(tree, node.level);
}

/** The number of leaves, and leaf `j` (leaves are numbered left to right). */
export function leafCount(tree: DispatchTree): number {
  return tree.batchCount === 0 ? 0 : Math.ceil(tree.batchCount / tree.branchingFactor ** 1);
}

/** Leaf number `j` (0-based, left to right). */
export function leafAt(tree: DispatchTree, j: number): DispatcherNode {
  return leafOf(tree, j * tree.branchingFactor);
}

/** The number of leaf `leaf` (0-based, left to right). */
export function leafNumber(tree: DispatchTree, leaf: DispatcherNode): number {
  return leaf.firstBatch / tree.branchingFactor;
}
