/**
 * A large scenario for rendering tests: `pairs` × (dma_map_single, dma_unmap_single) of one kmalloc
 * buffer, every map step with an expectation, as a driver's TX path would run it.
 */
import type { Scenario, Step } from "../src/scenario/types.js";

export function mapUnmapLoop(pairs: number): Scenario {
  const steps: Step[] = [{ op: "kmalloc", as: "buf", args: { size: 2048, gfp: "GFP_KERNEL" } }];
  for (let i = 0; i < pairs; i++) {
    steps.push({ op: "dma_map_single", as: `m${i}`, args: { buf: "buf", size: 2048, dir: 1 }, expect: { ok: true } });
    steps.push({ op: "dma_unmap_single", args: { map: `m${i}` } });
  }
  return { name: `map/unmap ${pairs} times`, platform: "x86_64", kernel: "5.13", steps };
}
