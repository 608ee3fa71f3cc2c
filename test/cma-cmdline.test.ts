/**
 * cma= on the command line next to the DT's linux,cma-default node (rpi4, rpi4-xen). 5.6–6.12: the node
 * is allocated in its alloc-ranges, rmem_cma_setup says "bypass" and returns -EBUSY, fdt_init_reserved_mem
 * (_node) says "compatible matching fail" and frees it; 6.18.35 (0fd17e598333, stable) skips it before
 * allocating. dma_contiguous_reserve then places the cma= area as on a board without the node
 * (docs/verified-facts.md "cma= next to a linux,cma-default node (stop 17)").
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { dmasim } from "./cli-spawn.js";

const MiB = 1 << 20;

function boot(p: string, v: string, set: Record<string, string>) {
  const k = bootK(p, v, set);
  const at = (re: RegExp) => k.memblock.reserved.filter((r) => re.test(r.name)).map((r) => r.start);
  const lines = k.klog.filter((l) => /cma|CMA|reserved mem|Reserved memory/.test(l.message)).map((l) => `${l.level} ${l.message}`);
  return { k, cma: at(/^CMA/), vmemmap: at(/^vmemmap/)[0], rmem: at(/^restricted-dma-pool/)[0], lines };
}

const BYPASS = ["info Reserved memory: bypass linux,cma node, using cmdline CMA params instead", "info OF: reserved mem: node linux,cma compatible matching fail"];
const SKIP = ['err OF: reserved mem: Skipping dt linux,cma-default for "cma=" kernel param.'];

describe("cma= bypasses rpi4's DT linux,cma node", () => {
  it("rpi4 mem=1G cma=128M: the area comes from dma_contiguous_reserve, not the node", () => {
    // RAM [0, 0x3b400000); the node (64 MiB) was allocated and freed at once (5.10–6.12) or never (6.18).
    // 5.10: end of arm64_memblock_init, limit arm64_dma32_phys_limit = min(4 GiB, end of DRAM) = 0x3b400000,
    //   before sparse_init: 0x3b400000 - 0x8000000 = 0x33400000 (4 MiB aligned); vmemmap (one 16 MiB block for
    //   the 1 GiB section, 16 MiB aligned) below it: round_down(0x33400000 - 0x1000000, 16M) = 0x32000000.
    // 5.11+: bootmem_init after sparse_init: vmemmap (8 sections × 2 MiB = 16 MiB) at 0x3b400000 - 0x1000000 =
    //   0x3a400000; limit arm64_dma_phys_limit = min(0x3fffffff, 0x3b3fffff) + 1 = 0x3b400000, no bottom-up try
    //   (end of DRAM < 4 GiB + size): 0x3a400000 - 0x8000000 = 0x32400000 (4 MiB, and from 5.19 2 MiB, aligned).
    const want: Record<string, { cma: number; vmemmap: number; cmaLine: string }> = {
      "5.10": { cma: 0x3340_0000, vmemmap: 0x3200_0000, cmaLine: "info cma: Reserved 128 MiB at 0x0000000033400000" },
      "5.15": { cma: 0x3240_0000, vmemmap: 0x3a40_0000, cmaLine: "info cma: Reserved 128 MiB at 0x0000000032400000" },
      "6.1": { cma: 0x3240_0000, vmemmap: 0x3a40_0000, cmaLine: "info cma: Reserved 128 MiB at 0x0000000032400000" },
      // bf29bfaa5490 (6.6–6.14): " on node -1"
      "6.12": { cma: 0x3240_0000, vmemmap: 0x3a40_0000, cmaLine: "info cma: Reserved 128 MiB at 0x0000000032400000 on node -1" },
      "6.18": { cma: 0x3240_0000, vmemmap: 0x3a40_0000, cmaLine: "info cma: Reserved 128 MiB at 0x0000000032400000" },
    };
    for (const [v, w] of Object.entries(want)) {
      const b = boot("rpi4", v, { mem: "1G", cma: "128M" });
      expect(b.cma, v).toEqual([w.cma]); // one area: the freed node left no reservation behind
      expect(b.vmemmap, v).toBe(w.vmemmap);
      expect(b.k.memblock.reserved.map((r) => r.name), v).not.toContain("CMA (linux,cma)");
      const area = b.k.dma_contiguous_default_area!;
      expect([area.name, area.base_pfn * 4096, area.count * 4096], v).toEqual(["reserved", w.cma, 128 * MiB]);
      expect(b.lines, v).toEqual([...(v === "6.18" ? SKIP : BYPASS), w.cmaLine]);
    }
  });

  it("cma=0: size_cmdline 0 — the node is bypassed (or skipped) and dma_contiguous_reserve makes no area", () => {
    for (const v of ["5.10", "5.15", "6.1", "6.12", "6.18"]) {
      const b = boot("rpi4", v, { mem: "1G", cma: "0" });
      expect(b.cma, v).toEqual([]);
      expect(b.k.dma_contiguous_default_area, v).toBeNull();
      expect(b.lines, v).toEqual(v === "6.18" ? SKIP : BYPASS);
      // the memmap takes the top of RAM the node would have had: 5.10 round_down(0x3b400000 - 16M, 16M), 5.11+ 0x3b400000 - 16M
      expect(b.vmemmap, v).toBe(v === "5.10" ? 0x3a00_0000 : 0x3a40_0000);
    }
  });

  it("a restricted-dma-pool without a base: the node is freed (or skipped) before the pool is placed, so the pool takes the top of its window", () => {
    // window [0, 0x3b400000): 0x3b400000 - 4 MiB = 0x3b000000 in every era — to 6.11 the pool even comes first (the
    // heapsort of fdt_init_reserved_mem swaps the two dynamic nodes), 6.12 allocates the node, frees it, then the pool;
    // then (5.11+) vmemmap 0x3b000000 - 16M = 0x3a000000 and the cma= area 0x3a000000 - 128M = 0x32000000
    for (const v of ["5.15", "6.1", "6.6", "6.12", "6.18"]) {
      const b = boot("rpi4", v, { mem: "1G", cma: "128M", restricted_dma_pool: "4M" });
      expect([b.rmem, b.vmemmap, b.cma[0]], v).toEqual([0x3b00_0000, 0x3a00_0000, 0x3200_0000]);
      // with the node kept: to 6.4 the pool first (0x3b000000) and the node under it (0x3b000000 - 64 MiB = 0x37000000);
      // 6.5–6.11 (4cea2821882b: __rmem_cmp's fdt_node tie-break) and 6.12+ (8a6e02d0c00e) in DT order: the node first
      // (0x37400000) and the pool under it (0x37000000)
      const kept = boot("rpi4", v, { mem: "1G", restricted_dma_pool: "4M" });
      expect([kept.rmem, kept.cma[0]], v).toEqual(v === "5.15" || v === "6.1" ? [0x3b00_0000, 0x3700_0000] : [0x3700_0000, 0x3740_0000]);
    }
    // 6.1: the pool's line first (sorted order), then the node's bypass lines, then bootmem_init's cma= line
    expect(boot("rpi4", "6.1", { mem: "1G", cma: "128M", restricted_dma_pool: "4M" }).k.klog.map((l) => l.message).filter((m) => /cma|reserved mem|Reserved memory/.test(m))).toEqual([
      "software IO TLB: Reserved memory: created restricted DMA pool at 0x000000003b000000, size 4 MiB",
      "OF: reserved mem: initialized node restricted-dma-pool@3b000000, compatible id restricted-dma-pool",
      "Reserved memory: bypass linux,cma node, using cmdline CMA params instead",
      "OF: reserved mem: node linux,cma compatible matching fail",
      "cma: Reserved 128 MiB at 0x0000000032000000",
    ]);
    // 6.12: the node's lines, the pool's, its node line (aeb9267eb6b1), then bootmem_init's cma= line
    expect(boot("rpi4", "6.12", { mem: "1G", cma: "128M", restricted_dma_pool: "4M" }).k.klog.map((l) => l.message).filter((m) => /cma|reserved mem|Reserved memory/.test(m))).toEqual([
      "Reserved memory: bypass linux,cma node, using cmdline CMA params instead",
      "OF: reserved mem: node linux,cma compatible matching fail",
      "software IO TLB: Reserved memory: created restricted DMA pool at 0x000000003b000000, size 4 MiB",
      "OF: reserved mem: initialized node restricted-dma-pool@3b000000, compatible id restricted-dma-pool",
      "OF: reserved mem: 0x000000003b000000..0x000000003b3fffff (4096 KiB) map non-reusable restricted-dma-pool@3b000000",
      "cma: Reserved 128 MiB at 0x0000000032000000 on node -1",
    ]);
  });

  it("without cma the DT node (64 MiB) is kept, as before", () => {
    for (const v of ["5.10", "5.15", "6.1", "6.12", "6.18"]) {
      const b = boot("rpi4", v, { mem: "1G" });
      expect(b.cma, v).toEqual([0x3740_0000]);
      // rmem_cma_setup → cma_init_reserved_mem(..., rmem->name): the area is named after the DT node (cma_alloc's
      // trace and its "%s: %s: alloc failed" line show it), where dma_contiguous_reserve's is "reserved"
      expect(b.k.dma_contiguous_default_area!.name, v).toBe("linux,cma");
      expect(b.lines[0], v).toBe("info Reserved memory: created CMA memory pool at 0x0000000037400000, size 64 MiB");
      expect(b.lines.some((l) => /bypass|Skipping|matching fail/.test(l)), v).toBe(false);
    }
  });

  it("a cma= of the node's own size still bypasses it (size_cmdline != -1)", () => {
    const b = boot("rpi4", "6.1", { mem: "1G", cma: "64M" });
    // 0x3a400000 - 64 MiB = 0x36400000, after the vmemmap — the node would have been 0x37400000, before it
    expect([b.cma, b.vmemmap]).toEqual([[0x3640_0000], 0x3a40_0000]);
    expect(b.lines).toEqual([...BYPASS, "info cma: Reserved 64 MiB at 0x0000000036400000"]);
  });

  it("rpi4 4 GiB: 5.6–5.10 place cma= below arm64_dma32_phys_limit — above the soc devices' 1 GiB window; 5.11+ below 1 GiB", () => {
    // 5.10: banks [0, 0x3b400000) and [1 GiB, 0xfc000000): limit min(4 GiB, 0xfc000000) = 0xfc000000: 0xfc000000 - 128M = 0xf4000000
    expect(boot("rpi4", "5.10", { cma: "128M" }).cma).toEqual([0xf400_0000]);
    // 5.15: arm64_dma_phys_limit = 1 GiB (ZONE_DMA 30 bits from the dma-ranges): top of [0, 0x3b400000) = 0x33400000
    expect(boot("rpi4", "5.15", { cma: "128M" }).cma).toEqual([0x3340_0000]);
  });

  it("rpi4-xen (a domU owns 0x30000000 + 64 MiB): the cma= area avoids the hole", () => {
    // dom0 banks [0, 0x30000000) + [0x34000000, 0x3b400000): the upper stretch (116 MiB, less the 5.11+ vmemmap) is
    // too small for 128 MiB, so the area ends at the hole: 0x30000000 - 0x8000000 = 0x28000000
    for (const v of ["5.10", "5.15", "6.18"]) {
      const b = boot("rpi4-xen", v, { mem: "1G", cma: "128M" });
      expect(b.cma, v).toEqual([0x2800_0000]);
      expect(b.lines, v).toEqual([...(v === "6.18" ? SKIP : BYPASS), "info cma: Reserved 128 MiB at 0x0000000028000000"]);
    }
  });

  it("cma_alloc's failure line names the area: linux,cma for the DT node, reserved for a cma= area (6.18: a request larger than the area)", () => {
    const big = "name: t\nsteps:\n  - { op: dma_alloc_coherent, size: 128M, as: b }\n";
    const errs = (cfg: string) => (runYaml(cfg ? big.replace("steps:", `config: { ${cfg} }\nsteps:`) : big, { platform: "rpi4", kernel: "6.18" }).log ?? []).filter((l) => l.level === "err" && l.step >= 0).map((l) => l.message);
    expect(errs("")).toEqual(["cma: __cma_alloc: linux,cma: alloc failed, req-size: 32768 pages, ret: -16"]);
    expect(errs("cma: 64M")).toEqual(["cma: __cma_alloc: reserved: alloc failed, req-size: 32768 pages, ret: -16"]);
  });

  it("the built CLI: run --json --set cma=128M on rpi4 6.18 carries the skip line and dma_contiguous_reserve's line in its boot log", async () => {
    const o = await dmasim(["run", "scenarios/seed-mmap.yaml", "--platform", "rpi4", "--kernel", "6.18", "--set", "mem=1G", "--set", "cma=128M", "--json"]);
    expect(o.stderr).toBe("");
    const log = (JSON.parse(o.stdout).log as { level: string; message: string; step: number }[]).filter((l) => l.step === -1 && /cma|reserved mem/.test(l.message));
    expect(log.map((l) => `${l.level} ${l.message}`)).toEqual([...SKIP, "info cma: Reserved 128 MiB at 0x0000000032400000"]);
  }, 60_000);
});
