import { describe, expect, it } from "vitest";
import { childrenOf, planDispatchTree, rootOf, type DispatcherNode, type DispatchTree } from "../src/planning/dispatch-tree.ts";

interface Walk {
  /** How many leaves each batch id appeared under. */
  seen: Uint8Array;
  dispatchers: number;
  maxChildren: number;
  leafLevels: Set<number>;
  emptyNodes: number;
}

/** Walks the whole tree from the root, as the dispatchers would. */
function walk(tree: DispatchTree): Walk {
  const result: Walk = { seen: new Uint8Array(tree.batchCount), dispatchers: 0, maxChildren: 0, leafLevels: new Set(), emptyNodes: 0 };
  const stack: DispatcherNode[] = [rootOf(tree)];
  while (stack.length > 0) {
    const node = stack.pop()!;
    result.dispatchers++;
    if (node.batchCount === 0 && tree.batchCount > 0) result.emptyNodes++;
    const children = childrenOf(tree, node);
    if (children.kind === "dispatchers") {
      result.maxChildren = Math.max(result.maxChildren, children.nodes.length);
      stack.push(...children.nodes);
    } else {
      result.maxChildren = Math.max(result.maxChildren, children.batchIds.length);
      result.leafLevels.add(node.level);
      for (const id of children.batchIds) result.seen[id]++;
    }
  }
  return result;
}

const COUNTS = [1, 2, 31, 32, 33, 1126, 5000, 200_000];

describe("planDispatchTree", () => {
  it("chooses levels from the batch count and the smallest sufficient branching factor", () => {
    const shapes = COUNTS.map((n) => {
      const { levels, branchingFactor } = planDispatchTree(n);
      return [n, levels, branchingFactor];
    });
    expect(shapes).toEqual([
      [1, 1, 1],
      [2, 1, 2],
      [31, 1, 31],
      [32, 1, 32],
      [33, 2, 6],
      [1126, 2, 34], // burst-compute v1's NeuronBridge fixture: 45,018 targets / 40
      [5000, 3, 18],
      [200_000, 3, 59],
    ]);
  });

  it("computes the branching factor exactly where a floating-point root would round wrong", () => {
    for (const [n, levels, b] of [[125, 3, 5], [126, 3, 6], [216, 3, 6], [1000, 3, 10], [1001, 3, 11], [4096, 4, 8], [1024, 10, 2]]) {
      expect(planDispatchTree(n, { levels }).branchingFactor).toBe(b);
    }
  });

  for (const n of COUNTS) {
    for (const levels of [undefined, 1, 2, 3, 4]) {
      if (levels === 1 && n > 5000) continue; // one node with 200,000 children is legal but pointless to walk
      it(`puts each of ${n} batches under exactly one leaf, within the branching factor, at depth ${levels ?? "auto"}`, () => {
        const tree = planDispatchTree(n, { levels });
        const result = walk(tree);
        expect(result.seen.every((times) => times === 1)).toBe(true);
        expect(result.maxChildren).toBeLessThanOrEqual(tree.branchingFactor);
        expect([...result.leafLevels]).toEqual([tree.levels - 1]);
        expect(result.emptyNodes).toBe(0);
      });
    }
  }

  it("gives the 1,126-batch fixture 34 dispatchers under the root, each starting at most 34 workers", () => {
    const tree = planDispatchTree(1126);
    const top = childrenOf(tree, rootOf(tree));
    expect(top.kind).toBe("dispatchers");
    if (top.kind !== "dispatchers") return;
    expect(top.nodes).toHaveLength(34);
    expect(top.nodes.at(-1)).toEqual({ level: 1, firstBatch: 1122, batchCount: 4 });
    expect(childrenOf(tree, top.nodes[0])).toEqual({ kind: "workers", batchIds: Array.from({ length: 34 }, (_, k) => k) });
  });

  it("plans a single empty leaf for zero batches", () => {
    const tree = planDispatchTree(0);
    expect(childrenOf(tree, rootOf(tree))).toEqual({ kind: "workers", batchIds: [] });
  });

  it("rejects a node that does not belong to the tree", () => {
    const tree = planDispatchTree(1126);
    expect(() => childrenOf(tree, { level: 2, firstBatch: 0, batchCount: 10 })).toThrow(RangeError);
    expect(() => childrenOf(tree, { level: 1, firstBatch: 1120, batchCount: 34 })).toThrow(RangeError);
    expect(() => childrenOf(tree, { level: 1, firstBatch: 0, batchCount: 35 })).toThrow(RangeError);
  });

  it("rejects level counts outside 1 to 10", () => {
    expect(() => planDispatchTree(10, { levels: 0 })).toThrow(RangeError);
    expect(() => planDispatchTree(10, { levels: 11 })).toThrow(RangeError);
  });
});
