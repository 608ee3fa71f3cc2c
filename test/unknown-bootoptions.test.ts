/**
 * init/main.c: command-line options no __setup / early_param entry takes are handed to user space,
 * and from 5.14 (86d1919a4fb0) print_unknown_bootoptions lists them (docs/verified-facts.md,
 * "Unknown command-line options handed to user space"). Whether an entry exists follows the build:
 * kernel/dma/swiotlb.c is not built on 32-bit ARM without LPAE or Xen, so swiotlb= is unknown there.
 */
import { describe, expect, it } from "vitest";
import { bootK } from "./helpers.js";
import { dmasim } from "./cli-spawn.js";

const unknown = (platform: string, kernel: string, set: Record<string, string>) =>
  bootK(platform, kernel, set)
    .klog.filter((l) => /^Unknown (kernel )?command line parameters/.test(l.message))
    .map((l) => `${l.level} ${l.message}`);

describe("print_unknown_bootoptions: swiotlb= on arm32 (no LPAE, no Xen: kernel/dma/swiotlb.c not built)", () => {
  it("5.6, 5.10, 5.13: no such printk (absent in 5.6.4, 5.10.7, 5.12.9 init/main.c)", () => {
    for (const v of ["5.6", "5.10", "5.13"]) expect(unknown("arm32", v, { swiotlb: "65536" }), v).toEqual([]);
  });
  it("5.14: 'Unknown command line parameters: swiotlb=65536' (5.14-rc5 init/main.c:907, a space before each option)", () => {
    expect(unknown("arm32", "5.14", { swiotlb: "65536" })).toEqual(["notice Unknown command line parameters: swiotlb=65536"]);
  });
  it("5.15 and later: the clearer message, the option as written (5.15.178 :934, 6.1.166 :946, 6.18.35 :890)", () => {
    for (const v of ["5.15", "5.19", "6.1", "6.6", "6.12", "6.18"])
      expect(unknown("arm32", v, { swiotlb: "1024,4,force" }), v).toEqual(['notice Unknown kernel command line parameters "swiotlb=1024,4,force", will be passed to user space.']);
  });
  it("after setup_arch's lines (the CMA reservation), before the atomic pool's initcall line", () => {
    const log = bootK("arm32", "6.1", { swiotlb: "force" }).klog.map((l) => l.message);
    const at = log.findIndex((m) => m.startsWith("Unknown kernel command line"));
    expect(at).toBeGreaterThan(log.findIndex((m) => m.startsWith("cma: Reserved")));
    expect(at).toBeLessThan(log.findIndex((m) => m.startsWith("DMA: preallocated")));
  });
  it("where swiotlb.c is built (arm64, x86_64, a Xen dom0) early_param(\"swiotlb\") takes it: nothing printed", () => {
    for (const p of ["rpi4", "rpi4-xen", "x86_64", "arm64-smmu"]) expect(unknown(p, "6.1", { swiotlb: "force" }), p).toEqual([]);
  });
  it("known options beside it are not listed (mem= is arch/arm/kernel/setup.c's early_param)", () => {
    expect(unknown("arm32", "6.6", { mem: "1G", swiotlb: "force" })).toEqual(['notice Unknown kernel command line parameters "swiotlb=force", will be passed to user space.']);
  });
});

describe("the same mechanism for the other options dmasim puts on the command line", () => {
  it("dma_debug_entries= without CONFIG_DMA_API_DEBUG (kernel/dma/debug.c not built) is unknown; with it, known from 5.15", () => {
    expect(unknown("rpi4", "6.1", { dma_debug_entries: "4096" })).toEqual(['notice Unknown kernel command line parameters "dma_debug_entries=4096", will be passed to user space.']);
    expect(unknown("rpi4", "6.1", { dma_debug_entries: "4096", CONFIG_DMA_API_DEBUG: "y" })).toEqual([]);
  });
  it("5.14: __setup handlers that returned 0 (debug.c:937, trace.c:238) leave their options unknown too, in command-line order", () => {
    expect(unknown("rpi4", "5.14", { dma_debug_entries: "4096", CONFIG_DMA_API_DEBUG: "y", trace_options: "nohash-ptr" })).toEqual(["notice Unknown command line parameters: trace_options=nohash-ptr dma_debug_entries=4096"]);
    // 5.15.178 carries 80e439098161 and 1d02b444b8d1: `return 1`
    expect(unknown("rpi4", "5.15", { dma_debug_entries: "4096", CONFIG_DMA_API_DEBUG: "y", trace_options: "nohash-ptr" })).toEqual([]);
  });
  it("coherent_pool= on x86_64, whose modelled kernel builds no kernel/dma/pool.c; known on arm64 and arm32", () => {
    expect(unknown("x86_64", "6.18", { coherent_pool: "1M" })).toEqual(['notice Unknown kernel command line parameters "coherent_pool=1M", will be passed to user space.']);
    expect(unknown("rpi4", "6.18", { coherent_pool: "1M" })).toEqual([]);
    expect(unknown("arm32", "6.18", { coherent_pool: "1M" })).toEqual([]);
  });
  it("iommu.* options have a '.': an unused module parameter is dropped silently even where no IOMMU driver is built", () => {
    expect(unknown("x86_64-iommu", "6.1", { "iommu.strict": "0" })).toEqual([]);
  });
  it("no options given: nothing", () => {
    expect(unknown("arm32", "6.18", {})).toEqual([]);
  });
});

describe("the built CLI: run --json's boot log", () => {
  it("dmasim run … --platform arm32 --kernel 6.1 --set swiotlb=65536: the notice at step -1", async () => {
    const o = await dmasim(["run", "scenarios/seed-mmap.yaml", "--platform", "arm32", "--kernel", "6.1", "--set", "swiotlb=65536", "--json"]);
    expect(o.stderr).toBe("");
    const r = JSON.parse(o.stdout) as { log: { level: string; message: string; step: number }[] };
    expect(r.log.filter((l) => l.message.startsWith("Unknown"))).toEqual([{ level: "notice", message: 'Unknown kernel command line parameters "swiotlb=65536", will be passed to user space.', step: -1 }]);
  });
});
