/**
 * The IOVA range caches per CPU (drivers/iommu/iova.c struct iova_cpu_rcache, one per possible CPU,
 * picked by raw_cpu_ptr() in __iova_rcache_insert / __iova_rcache_get; the depot shared). Through
 * dma-iommu (arm64-smmu; x86_64-iommu on intel-iommu's own ops in 5.10 and on dma-iommu from 5.11):
 * an unmap on CPU 1 caches the IOVA in CPU 1's magazine, a map of the same size on CPU 0 does not get
 * it back (its own magazines are empty: the tree gives the next IOVA down), a map on CPU 1 does. And
 * alloc_iova_fast's flush on failure empties every online CPU's magazines, not only the caller's.
 */
import { describe, expect, it } from "vitest";
import { runYaml } from "./helpers.js";
import { IOVA_SWITCHES as S, IovaDomain, type IovaCpus } from "../src/drivers/iommu/iova.js";
import { IOVA_DEPOT_DELAY, IovaDepotWork } from "../src/drivers/iommu/iova-fq.js";
import type { Kernel } from "../src/kernel.js";

/** A NIC maps buffer a on CPU 1 and unmaps it there; then CPU 0 maps b and CPU 1 maps a again; the device reads both through their IOVAs. */
function scenario(platform: string, kernel: string, nr_cpus: number, cpuOf: (n: 0 | 1) => number): string {
  return `
name: per-CPU IOVA magazines
platform: ${platform}
kernel: "${kernel}"
device: nic
config: { nr_cpus: ${nr_cpus}, iommu.strict: 1 }
steps:
  - { op: kmalloc, size: 4096, as: a }
  - { op: kmalloc, size: 4096, as: b }
  - { op: cpu_write, buf: a, data: "buffer A" }
  - { op: cpu_write, buf: b, data: "buffer B" }
  - { op: dma_map_single, cpu: ${cpuOf(1)}, buf: a, size: 4096, dir: DMA_TO_DEVICE, as: m1 }
  - { op: dma_unmap_single, map: m1 }
  - { op: dma_map_single, cpu: ${cpuOf(0)}, buf: b, size: 4096, dir: DMA_TO_DEVICE, as: m2 }
  - { op: device_read, map: m2, length: 8 }
  - { op: dma_map_single, cpu: ${cpuOf(1)}, buf: a, size: 4096, dir: DMA_TO_DEVICE, as: m3 }
  - { op: device_read, map: m3, length: 8 }
`;
}

describe("per-CPU IOVA magazines through dma_map_single / dma_unmap_single", () => {
  for (const platform of ["arm64-smmu", "x86_64-iommu"]) {
    for (const kernel of ["5.10", "5.19", "6.12"]) {
      it(`${platform} ${kernel}: CPU 1's freed IOVA stays CPU 1's; CPU 0 gets the next one from the tree`, () => {
        const r = runYaml(scenario(platform, kernel, 2, (n) => n));
        expect(r.ok).toBe(true);
        const [, , , , m1, , m2, read2, m3, read3] = r.steps;
        /* a PCI device's first IOVA: the top page below 4 GiB (32-bit first) */
        expect(m1!.result.dma_addr).toBe("0xfffff000");
        /* CPU 0's magazines are empty: the rbtree still holds 0xfffff (cached in CPU 1's magazine), so the next page down */
        expect(m2!.result.dma_addr).toBe("0xffffe000");
        expect(read2!.result.data).toBe('"buffer B"');
        /* CPU 1 pops its own magazine */
        expect(m3!.result.dma_addr).toBe("0xfffff000");
        expect(read3!.result.data).toBe('"buffer A"');
      });
      it(`${platform} ${kernel}: on one CPU the same sequence hands the freed IOVA straight back`, () => {
        const r = runYaml(scenario(platform, kernel, 1, () => 0));
        expect(r.ok).toBe(true);
        const [, , , , m1, , m2, read2, m3] = r.steps;
        expect(m1!.result.dma_addr).toBe("0xfffff000");
        expect(m2!.result.dma_addr).toBe("0xfffff000");
        expect(read2!.result.data).toBe('"buffer B"');
        expect(m3!.result.dma_addr).toBe("0xffffe000");
      });
    }
  }
  it("explain says where each IOVA came from: the rbtree for CPU 0, CPU 1's range cache for CPU 1", () => {
    const r = runYaml(scenario("arm64-smmu", "5.19", 2, (n) => n), { trace: true });
    const notes = (i: number) => r.steps[i]!.trace.filter((e) => e.kind === "note").map((e) => (e as { text: string }).text);
    expect(notes(4)).toContain("from the rbtree (CPU 1's range cache had no 1-page range below the limit)");
    expect(notes(6)).toContain("from the rbtree (CPU 0's range cache had no 1-page range below the limit)");
    expect(notes(8)).toContain("from CPU 1's range cache (bin 0: 1-page ranges), not the rbtree");
  });
  it("a step on a CPU beyond nr_cpus is refused", () => {
    expect(() => runYaml(scenario("arm64-smmu", "5.19", 1, (n) => n))).toThrow(/cpu 1 does not exist: nr_cpus is 1/);
  });
});

/** Lazy invalidation: CPU 1 unmaps into its own flush-queue ring and arms the timer; CPU 0 sleeps past IOVA_FQ_TIMEOUT, the timer fires on CPU 1 and the range goes to CPU 1's magazine. */
function lazyScenario(platform: string, kernel: string): string {
  return `
name: per-CPU flush-queue rings
platform: ${platform}
kernel: "${kernel}"
device: nic
config: { nr_cpus: 2, iommu.strict: 0 }
steps:
  - { op: kmalloc, size: 4096, as: a }
  - { op: kmalloc, size: 4096, as: b }
  - { op: dma_map_single, cpu: 1, buf: a, size: 4096, dir: DMA_TO_DEVICE, as: m1 }
  - { op: dma_unmap_single, map: m1 }
  - { op: msleep, cpu: 0, ms: 10 }
  - { op: dma_map_single, buf: b, size: 4096, dir: DMA_TO_DEVICE, as: m2 }
  - { op: dma_map_single, cpu: 1, buf: a, size: 4096, dir: DMA_TO_DEVICE, as: m3 }
`;
}

describe("lazy mode: the flush queue's rings are per CPU, its timer runs on the CPU that armed it", () => {
  for (const [platform, kernel] of [["x86_64-iommu", "5.10"], ["x86_64-iommu", "5.19"], ["x86_64-iommu", "6.12"], ["arm64-smmu", "5.19"], ["arm64-smmu", "6.12"]] as const) {
    it(`${platform} ${kernel}: the IOVA CPU 1 queued comes back to CPU 1 after the timer, not to CPU 0`, () => {
      const r = runYaml(lazyScenario(platform, kernel));
      expect(r.ok).toBe(true);
      const [, , m1, , , m2, m3] = r.steps;
      expect(m1!.result.dma_addr).toBe("0xfffff000");
      expect(m2!.result.dma_addr).toBe("0xffffe000");
      expect(m3!.result.dma_addr).toBe("0xfffff000");
    });
  }
});

/** The CPUs as a test drives them: n possible and online, `cpu` the current one. */
class TestCpus implements IovaCpus {
  cpu = 0;
  constructor(readonly n: number) {}
  raw_smp_processor_id(): number { return this.cpu; }
  num_possible_cpus(): number { return this.n; }
  num_online_cpus(): number { return this.n; }
}

const V510: string[] = [];
const V519 = [S.retry, S.freeGlobalOnFail, S.findLimit, S.max32AnyFree, S.roundupInAllocator];
const V612 = [...V519, S.retryNoOverflow, S.magSize127, S.depotList, S.depotTrim];

describe("alloc_iova_fast's flush empties every online CPU's magazines (for_each_online_cpu free_cpu_cached_iovas)", () => {
  for (const [kernel, sw] of [["5.10", V510], ["5.19", V519], ["6.12", V612]] as const) {
    it(`${kernel}: CPU 1 caches all 15 pfns below limit 0xf; CPU 0's 8-page request succeeds only by flushing CPU 1`, () => {
      const has = new Set<string>(sw);
      const cpus = new TestCpus(2);
      const d = new IovaDomain(4096, 1, (c) => has.has(c), cpus);
      cpus.cpu = 1;
      const pfns: number[] = [];
      for (let i = 0; i < 15; i++) pfns.push(d.alloc_iova_fast(1, 0xf, false));
      expect(pfns).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      for (const p of pfns) d.free_iova_fast(p, 1);
      expect(d.cpu_cached(0, 1).length).toBe(15);
      expect(d.ranges().length).toBe(15); /* cached ranges stay allocated in the tree */
      cpus.cpu = 0;
      /* without the flush: the tree is full and CPU 0 has nothing cached in bin 3 */
      expect(d.alloc_iova_fast(8, 0xf, false)).toBe(0);
      /* with it: CPU 1's loaded magazine goes back to the tree, the 8 pages come from the top (size-aligned) */
      expect(d.alloc_iova_fast(8, 0xf, true)).toBe(8);
      expect(d.cpu_cached(0, 1)).toEqual([]);
      expect(d.ranges()).toEqual([[8, 15]]);
    });
  }
  it("a one-page map on CPU 0 never pops CPU 1's magazine, even when CPU 1 holds the only free pfn", () => {
    const has = new Set<string>(V519);
    const cpus = new TestCpus(2);
    const d = new IovaDomain(4096, 1, (c) => has.has(c), cpus);
    cpus.cpu = 1;
    for (let i = 0; i < 3; i++) d.alloc_iova_fast(1, 0x3, false);
    d.free_iova_fast(2, 1);
    cpus.cpu = 0;
    expect(d.alloc_iova_fast(1, 0x3, false)).toBe(0); /* no flush asked: a failure */
    cpus.cpu = 1;
    expect(d.alloc_iova_fast(1, 0x3, false)).toBe(2);
  });
});

describe("6.12's depot trim keeps num_online_cpus() magazines (233045378dbb)", () => {
  for (const n of [1, 2, 4]) {
    it(`${n} online CPU(s): the work stops at ${n} magazine(s)`, () => {
      const has = new Set<string>(V612);
      const d = new IovaDomain(4096, 1, (c) => has.has(c), new TestCpus(n));
      const k = { timers: [], now_ms: 0, tr: undefined } as unknown as Kernel;
      const w = new IovaDepotWork(k, d);
      const pfns: number[] = [];
      for (let i = 0; i < 2000; i++) pfns.push(d.alloc_iova_fast(1, 0xfffff, false));
      for (const p of pfns) d.free_iova_fast(p, 1);
      expect(d.depot_size(0)).toBe(Math.floor((2000 - 255) / 127) + 1);
      k.now_ms = IOVA_DEPOT_DELAY * 1000;
      w.timeout(k);
      expect(d.depot_size(0)).toBe(n);
    });
  }
});
