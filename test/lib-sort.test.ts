/**
 * lib/sort.c's heapsort (src/lib/sort.ts) on equal elements, and drivers/of/of_reserved_mem.c __rmem_cmp per era:
 * the order fdt_init_reserved_mem (5.6–6.11) allocates the dynamic reserved-memory nodes in.
 */
import { describe, expect, it } from "vitest";
import { sort } from "../src/lib/sort.js";
import { __rmem_cmp, type RmemOrderNode } from "../src/drivers/of/of_reserved_mem.js";

describe("lib/sort.c heapsort (5.6–6.11's sort_r)", () => {
  const eq = () => 0;
  it("n = 2 equal: the build step (a = 1 → 0) finds the child not greater and leaves it; the first extraction swaps root and last", () => {
    const a = ["A", "B"];
    sort(a, eq);
    expect(a).toEqual(["B", "A"]);
  });
  it("n = 3 equal: no move while building; extraction 1 swaps 0↔2 ([C,B,A]), extraction 2 swaps 0↔1 ([B,C,A])", () => {
    const a = ["A", "B", "C"];
    sort(a, eq);
    expect(a).toEqual(["B", "C", "A"]);
  });
  it("sorts distinct keys ascending", () => {
    const a = [5, 3, 9, 1, 7, 2, 8];
    sort(a, (x, y) => x - y);
    expect(a).toEqual([1, 2, 3, 5, 7, 8, 9]);
  });
});

describe("__rmem_cmp: two dynamic nodes (base 0, size 0)", () => {
  const nodes = (): RmemOrderNode[] => [
    { name: "linux,cma", base: 0, size: 0, fdt_node: 0x1000 },
    { name: "restricted-dma-pool", base: 0, size: 0, fdt_node: 0x1100 },
  ];
  it("to 6.4 they compare equal and the heapsort swaps them; 6.5+ (4cea2821882b) keeps DT order by fdt_node", () => {
    const old = nodes();
    sort(old, (a, b) => __rmem_cmp(a, b, false));
    expect(old.map((n) => n.name)).toEqual(["restricted-dma-pool", "linux,cma"]);
    const now = nodes();
    sort(now, (a, b) => __rmem_cmp(a, b, true));
    expect(now.map((n) => n.name)).toEqual(["linux,cma", "restricted-dma-pool"]);
  });
  it("a node with a base sorts after the dynamic ones in every era", () => {
    for (const tie of [false, true]) {
      const a: RmemOrderNode[] = [{ name: "pool", base: 0x3000_0000, size: 0x40_0000, fdt_node: 0 }, { name: "linux,cma", base: 0, size: 0, fdt_node: 1 }];
      sort(a, (x, y) => __rmem_cmp(x, y, tie));
      expect(a.map((n) => n.name)).toEqual(["linux,cma", "pool"]);
    }
  });
});
