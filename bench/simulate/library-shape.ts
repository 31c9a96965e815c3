import type { LibraryLayout } from "@cds/core/library";
import { childrenOf, planBatches, planDispatchTree, rootOf, type DispatcherNode, type DispatchTree } from "@cds/core/planning";

/** A node of the dispatch tree and of the completion tree that mirrors it. */
export interface TreeNode {
  key: string;
  node: DispatcherNode;
  parent: string | undefined;
  /** Child node keys (inner nodes) or batch ids (leaves). */
  children: string[] | number[];
  leaf: boolean;
}

/** A library of `targets` as the pipeline plans it: shards, batches, and the dispatch tree. */
export interface LibraryShape {
  targets: number;
  shards: number;
  shardSize: number;
  batches: number;
  /** Targets and shards of batch `i`. */
  batchTargets: number[];
  batchShards: number[];
  tree: DispatchTree;
  nodes: Map<string, TreeNode>;
  rootKey: string;
  /** Leaf key of each batch. */
  leafOf: string[];
  leaves: string[];
}

const nodeKey = (n: DispatcherNode) => `${n.level}:${n.firstBatch}`;

/**
 * Plans a library of `targets` with the project's own planning code (`planBatches`,
 * `planDispatchTree`): shards of `shardSize`, one batch per shard up to the 5,000-batch cap.
 */
export function libraryShape(targets: number, shardSize = 100): LibraryShape {
  const shards = Math.ceil(targets / shardSize);
  const layout: LibraryLayout = {
    name: "sim",
    width: 1210,
    height: 566,
    count: targets,
    shards: Array.from({ length: shards }, (_, s) => ({
      key: `s${s}`,
      start: s * shardSize,
      count: Math.min(shardSize, targets - s * shardSize),
      bytes: 0,
    })) as LibraryLayout["shards"],
  };
  const plan = planBatches(layout);
  const tree = planDispatchTree(plan.batches.length);
  const nodes = new Map<string, TreeNode>();
  const leafOf: string[] = new Array(plan.batches.length);
  const leaves: string[] = [];
  const visit = (node: DispatcherNode, parent: string | undefined) => {
    const key = nodeKey(node);
    const children = childrenOf(tree, node);
    if (children.kind === "workers") {
      nodes.set(key, { key, node, parent, children: children.batchIds, leaf: true });
      for (const id of children.batchIds) leafOf[id] = key;
      leaves.push(key);
    } else {
      nodes.set(key, { key, node, parent, children: children.nodes.map(nodeKey), leaf: false });
      for (const child of children.nodes) visit(child, key);
    }
  };
  visit(rootOf(tree), undefined);
  return {
    targets,
    shards,
    shardSize,
    batches: plan.batches.length,
    batchTargets: plan.batches.map((b) => b.end - b.start),
    batchShards: plan.batches.map((b) => Math.ceil((b.end - b.start) / shardSize)),
    tree,
    nodes,
    rootKey: nodeKey(rootOf(tree)),
    leafOf,
    leaves,
  };
}
