/**
 * swiotlb= edge cases dmasim used to refuse, as each version's kernel boots them (docs/verified-facts.md, "swiotlb=0,
 * areas beyond 1024, slab counts beyond 2^22 (stop 25)"): swiotlb=0 (and what ALIGNs to 0 modulo 2^64), any number of
 * areas (6.0+; 5.x never reads the field), slab counts beyond 1 << 22. Each asserts the booted pool (nslabs, its
 * physical range), the boot lines and what a later bounce does.
 */
import { describe, expect, it } from "vitest";
import { bootK, h, runCli, runYaml } from "./helpers.js";
import type { Kernel } from "../src/kernel.js";

/** nslabs / start / end of the boot pool (null: none) and the swiotlb and PCI-DMA boot lines */
function pool(k: Kernel): { nslabs: number; start: number; end: number } | null {
  const m = k.io_tlb_default_mem;
  return m ? { nslabs: m.nslabs, start: m.start, end: m.end } : null;
}
const lines = (k: Kernel) => k.klog.filter((l) => /software IO TLB|PCI-DMA/.test(l.message)).map((l) => l.message);
const PCI = "PCI-DMA: Using software bounce buffering for IO (SWIOTLB)";
const MAP = (platform: string, swiotlb: string) => `name: x\nplatform: ${platform}\nconfig: { swiotlb: "${swiotlb}" }\nsteps:\n  - {op: kmalloc, size: 64, as: b}\n  - {op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE}\n`;

describe("swiotlb=0 per era (x86_64 with RAM above 4 GiB, rpi4: both boot a pool)", () => {
  // 5.6–5.12: io_tlb_nslabs 0 is "not set" (5.10.7 swiotlb.c:252–255): the 64 MiB default. 5.13+: default_nslabs 0.
  it("5.10: the 64 MiB default, as without swiotlb=", () => {
    for (const [p, start] of [["x86_64", 0xbc00_0000], ["rpi4", 0x3340_0000]] as const) {
      const k = bootK(p, "5.10", { swiotlb: "0" });
      expect(pool(k), p).toEqual({ nslabs: 32768, start, end: start + (64 << 20) });
      expect(lines(k)).toEqual(lines(bootK(p, "5.10")));
    }
  });

  it("5.14: memblock_alloc_low(0) gives the end of the highest free range below the limit; a pool of 0 slabs there, 'mapped … (0MB)'; a map finds no slot ('buffer is full', total 0)", () => {
    const x = bootK("x86_64", "5.14", { swiotlb: "0" });
    // the same address the 64 MiB default pool ends at: nothing is reserved for a 0-byte buffer
    expect(pool(x)).toEqual({ nslabs: 0, start: 0xc000_0000, end: 0xc000_0000 });
    expect(lines(x)).toEqual([PCI, "software IO TLB: mapped [mem 0x00000000c0000000-0x00000000c0000000] (0MB)"]);
    const r = bootK("rpi4", "5.14", { swiotlb: "0" });
    expect(pool(r)).toEqual({ nslabs: 0, start: 0x3740_0000, end: 0x3740_0000 });
    expect(lines(r)).toEqual(["software IO TLB: mapped [mem 0x0000000037400000-0x0000000037400000] (0MB)"]);
    expect(r.memblock!.reserved.some((m) => m.size === 0)).toBe(false);
    const run = runYaml(MAP("rpi4", "0"), { kernel: "5.14" });
    expect(run.steps[1]!.result).toMatchObject({ ret: "DMA_MAPPING_ERROR", bounced: false });
    expect(run.log!.map((l) => l.message)).toContain("bcm2835-codec fe00b000.v4l2: swiotlb buffer is full (sz: 64 bytes), total 0 (slots), used 0 (slots)");
  });

  it("5.15 and 5.19: the same 0-slot pool, 'No low mem'; a map panics on 5.15 (!mem->nslabs), 5.19 has no pool to bounce to (the overflow WARN)", () => {
    for (const kernel of ["5.15", "5.19"]) {
      const x = bootK("x86_64", kernel, { swiotlb: "0" });
      expect(pool(x), kernel).toEqual({ nslabs: 0, start: 0xc000_0000, end: 0xc000_0000 });
      expect(lines(x), kernel).toEqual([PCI, "software IO TLB: No low mem"]);
      const r = bootK("rpi4", kernel, { swiotlb: "0" });
      expect(pool(r), kernel).toEqual({ nslabs: 0, start: 0x3740_0000, end: 0x3740_0000 });
      expect(lines(r), kernel).toEqual(["software IO TLB: No low mem"]);
    }
    const r15 = runYaml(MAP("rpi4", "0"), { kernel: "5.15" });
    expect(r15.faults[0]).toMatchObject({ kind: "panic", message: "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer" });
    const r19 = runYaml(MAP("rpi4", "0"), { kernel: "5.19" });
    expect(r19.steps[1]!.result).toMatchObject({ ret: "DMA_MAPPING_ERROR", bounced: false });
    expect(r19.faults[0]).toMatchObject({ kind: "warn", pc: "dma_direct_map_page" });
  });

  it("6.1, 6.6, 6.18: swiotlb_init_remap's swiotlb_adjust_nareas(num_possible_cpus()) rounds default_nslabs 0 up to IO_TLB_SEGSIZE per area: 128 slots (x86_64, 1 CPU), 512 (rpi4, 4 CPUs); a map bounces", () => {
    for (const kernel of ["6.1", "6.6", "6.18"]) {
      const x = bootK("x86_64", kernel, { swiotlb: "0" });
      expect(pool(x), kernel).toEqual({ nslabs: 128, start: 0xbffc_0000, end: 0xc000_0000 });
      expect(lines(x), kernel).toEqual(["software IO TLB: area num 1.", "software IO TLB: SWIOTLB bounce buffer size roundup to 0MB", PCI, "software IO TLB: mapped [mem 0x00000000bffc0000-0x00000000c0000000] (0MB)"]);
      const r = bootK("rpi4", kernel, { swiotlb: "0" });
      expect(pool(r), kernel).toEqual({ nslabs: 512, start: 0x3730_0000, end: 0x3740_0000 });
      expect(lines(r), kernel).toEqual(["software IO TLB: area num 4.", "software IO TLB: SWIOTLB bounce buffer size roundup to 1MB", "software IO TLB: mapped [mem 0x0000000037300000-0x0000000037400000] (1MB)"]);
      expect(runYaml(MAP("rpi4", "0"), { kernel }).steps[1]!.result, kernel).toMatchObject({ dma_addr: "0xf7300000", bounced: true });
    }
  });

  it("values that ALIGN to 0 in an unsigned long (2^64 - 127 … 2^64 - 1, also as hex) boot as swiotlb=0; 1..127 is one segment", () => {
    for (const kernel of ["5.10", "5.15", "6.1"]) {
      const zero = pool(bootK("rpi4", kernel, { swiotlb: "0" }));
      expect(pool(bootK("rpi4", kernel, { swiotlb: "18446744073709551615" })), kernel).toEqual(zero);
      expect(pool(bootK("rpi4", kernel, { swiotlb: "0xffffffffffffff81,force" })), kernel).toEqual(zero);
      // 2^64 + 128 wraps to 128 (simple_strtoul keeps res * base + val modulo 2^64)
      expect(pool(bootK("rpi4", kernel, { swiotlb: "18446744073709551744" }))!.nslabs, kernel).toBe(kernel === "6.1" ? 512 : 128);
    }
  });

  it("a Xen dom0 with swiotlb=0: 5.10 boots the default pool", () => {
    expect(pool(bootK("x86_64-xen-pv", "5.10", { swiotlb: "0" }))).toEqual(pool(bootK("x86_64-xen-pv", "5.10")));
  });
});

/** the swiotlb, Xen and PCI-DMA boot lines of a dom0 */
const xlines = (k: Kernel) => k.klog.filter((l) => /software IO TLB|PCI-DMA|swiotlb/.test(l.message) || l.message.startsWith(" (rc:")).map((l) => l.message);

describe("swiotlb=0 on a Xen dom0, 5.13+ (each era's swiotlb-xen code with a 0-byte size: get_order(0) = 52)", () => {
  it("x86 PV 5.13/5.14: xen_swiotlb_fixup's do-while asks order get_order(0) = 52 for the 0-slab chunk, refused (> MAX_CONTIG_ORDER) at every dma_bits; 'Lowering to 2MB' and a 1,024-slab pool under the top of RAM", () => {
    for (const kernel of ["5.13", "5.14"]) {
      const k = bootK("x86_64-xen-pv", kernel, { swiotlb: "0" });
      // memblock_alloc(2 MiB, PAGE_SIZE) top-down: the end of dom0's RAM after the remap is 0x140061000
      expect(pool(k), kernel).toEqual({ nslabs: 1024, start: 0x1_3fe6_1000, end: 0x1_4006_1000 });
      expect(xlines(k), kernel).toEqual(["xen:swiotlb_xen: Lowering to 2MB"]);
    }
    // the trace: the first xen_create_contiguous_region call is order 52, and the retry's are order 6
    const r = runYaml("name: t\nplatform: x86_64-xen-pv\nconfig: { swiotlb: \"0\" }\nsteps:\n  - {op: kmalloc, size: 64, as: b}\n  - {op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE}\n", { kernel: "5.14" });
    expect(r.steps[1]!.result).toMatchObject({ bounced: true });
    expect(h(r.steps[1]!.result.ret)).toBeLessThan(2 ** 32);
  });

  it("x86 PV 5.15 and 5.19: from d9a688add3d4 the do-while's one chunk is order 6 at the 0-byte buffer itself, the top of dom0's RAM: the memset runs off its end and oopses in the idle task", () => {
    for (const kernel of ["5.15", "5.19"]) {
      const r = runYaml("name: t\nplatform: x86_64-xen-pv\nconfig: { swiotlb: \"0\" }\nsteps:\n  - {op: kmalloc, size: 64, as: b}\n", { kernel });
      // 5.15: memblock_alloc(0, 256 KiB) = round_down(0x140061000, 256 KiB) = 0x140040000, the fault 0x21000 bytes on;
      // 5.19: memblock_alloc(0, PAGE_SIZE) = 0x140061000, the fault at its first byte
      expect(r.faults, kernel).toEqual([
        expect.objectContaining({
          kind: "oops",
          message: "BUG: unable to handle page fault for address: ffff888140061000",
          pc: "xen_create_contiguous_region",
          lines: ["Kernel panic - not syncing: Attempted to kill the idle task!"],
        }),
      ]);
      expect(r.steps.map((s) => s.status), kernel).toEqual(["not run"]);
    }
  });

  it("x86 PV 6.1: swiotlb_init_remap's area round-up makes it 128 slabs (one CPU), fixed up and bounced through", () => {
    const k = bootK("x86_64-xen-pv", "6.1", { swiotlb: "0" });
    expect(pool(k)).toEqual({ nslabs: 128, start: 0x1_4002_1000, end: 0x1_4006_1000 });
    expect(xlines(k)).toEqual(["software IO TLB: area num 1.", "software IO TLB: SWIOTLB bounce buffer size roundup to 0MB", PCI, "software IO TLB: mapped [mem 0x0000000140021000-0x0000000140061000] (0MB)"]);
  });

  it("rpi4-xen 5.14: mem_init's 0-slab pool is a pool (io_tlb_default_mem != NULL): 'swiotlb buffer already initialized', and a bounce finds no slot", () => {
    const k = bootK("rpi4-xen", "5.14", { swiotlb: "0" });
    expect(pool(k)).toEqual({ nslabs: 0, start: 0x3740_0000, end: 0x3740_0000 });
    expect(xlines(k)).toEqual(["software IO TLB: mapped [mem 0x0000000037400000-0x0000000037400000] (0MB)", "swiotlb buffer already initialized"]);
    expect(k.xen!.hypercall_cflush).toBe(true);
  });

  it("rpi4-xen 5.15: `io_tlb_default_mem.nslabs` is 0, so xen_swiotlb_init runs: get_order(0) = 52, the int shift tries orders 52..41 (all ≥ MAX_ORDER) and stops at 40: 'Cannot allocate Xen-SWIOTLB buffer', no cache-flush probe; a bounce panics", () => {
    const k = bootK("rpi4-xen", "5.15", { swiotlb: "0" });
    expect(pool(k)!.nslabs).toBe(0);
    expect(xlines(k)).toEqual(["software IO TLB: No low mem", "xen:swiotlb_xen: Cannot allocate Xen-SWIOTLB buffer", " (rc:-12)"]);
    // xen_mm_init: `if (rc < 0 && rc != -EEXIST) return rc;` before GNTTABOP_cache_flush
    expect(k.xen!.hypercall_cflush).toBe(false);
    const r = runYaml("name: t\nplatform: rpi4-xen\nconfig: { swiotlb: \"0\" }\nsteps:\n  - {op: kmalloc, size: 64, as: b}\n  - {op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE}\n", { kernel: "5.15" });
    expect(r.faults).toEqual([expect.objectContaining({ kind: "panic", message: "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer" })]);
  });

  it("rpi4-xen 5.19: xen_mm_init's swiotlb_init_late(0) fails silently (-ENOMEM: orders 52..41): the 0-slab pool stays, no cache-flush probe", () => {
    const k = bootK("rpi4-xen", "5.19", { swiotlb: "0" });
    expect(pool(k)!.nslabs).toBe(0);
    expect(xlines(k)).toEqual(["software IO TLB: No low mem"]);
    expect(k.xen!.hypercall_cflush).toBe(false);
  });

  it("rpi4-xen mem=1G (no mem_init pool) 5.13: the late xen_swiotlb_init asks the same orders after each 'Lowering to 2MB' (bytes stays 0), then gives up", () => {
    const k = bootK("rpi4-xen", "5.13", { swiotlb: "0", mem: "1G" });
    expect(pool(k)).toBe(null);
    expect(xlines(k)).toEqual(["xen:swiotlb_xen: Lowering to 2MB", "xen:swiotlb_xen: Lowering to 2MB", "xen:swiotlb_xen: Lowering to 2MB", "xen:swiotlb_xen: Cannot allocate Xen-SWIOTLB buffer", " (rc:-12)"]);
  });

  it("rpi4-xen mem=1G 6.1: swiotlb_init_late takes nslabs from size 0 before the area round-up it prints: no pool", () => {
    const k = bootK("rpi4-xen", "6.1", { swiotlb: "0", mem: "1G" });
    expect(pool(k)).toBe(null);
    expect(xlines(k)).toEqual(["software IO TLB: area num 4.", "software IO TLB: SWIOTLB bounce buffer size roundup to 1MB"]);
    expect(k.xen!.hypercall_cflush).toBe(false);
  });
});

describe("areas: 5.x never reads them; 6.0+ take any unsigned int", () => {
  it("5.10, 5.15: swiotlb=8192,2000 is 8192 slabs (the tail '2000' matches nothing)", () => {
    for (const kernel of ["5.10", "5.15"]) expect(pool(bootK("rpi4", kernel, { swiotlb: "8192,2000" })), kernel).toEqual({ nslabs: 8192, start: 0x3640_0000, end: 0x3740_0000 });
  });

  it("6.1, 6.6, 6.18: 2000 areas round up to 2048, default_nslabs to 128 × 2048 (512 MiB); 6.1 gives the pool every area, 6.6+ limit_nareas", () => {
    for (const kernel of ["6.1", "6.6", "6.18"]) {
      const k = bootK("rpi4", kernel, { swiotlb: "8192,2000" });
      expect(pool(k), kernel).toEqual({ nslabs: 262144, start: 0x1740_0000, end: 0x3740_0000 });
      expect(lines(k), kernel).toEqual(["software IO TLB: area num 2048.", "software IO TLB: SWIOTLB bounce buffer size roundup to 512MB", "software IO TLB: mapped [mem 0x0000000017400000-0x0000000037400000] (512MB)"]);
      const m = k.io_tlb_default_mem as unknown as { nareas: number; area_nslabs: number };
      expect({ nareas: m.nareas, area_nslabs: m.area_nslabs }, kernel).toEqual({ nareas: 2048, area_nslabs: 128 });
    }
  });

  it("6.1, 6.6: more than 2^31 areas: roundup_pow_of_two gives 2^32, 0 in the unsigned int ('area num 0.'), so swiotlb_init_remap asks num_possible_cpus() again", () => {
    for (const kernel of ["6.1", "6.6"]) {
      const k = bootK("rpi4", kernel, { swiotlb: "1024,3000000000,force" });
      expect(pool(k), kernel).toEqual({ nslabs: 1024, start: 0x3720_0000, end: 0x3740_0000 });
      expect(lines(k), kernel).toEqual(["software IO TLB: area num 0.", "software IO TLB: area num 4.", "software IO TLB: mapped [mem 0x0000000037200000-0x0000000037400000] (2MB)"]);
    }
    // 2^32 + 4 areas: swiotlb_adjust_nareas(unsigned int) sees 4
    expect(lines(bootK("rpi4", "6.1", { swiotlb: "1024,4294967300" }))[0]).toBe("software IO TLB: area num 4.");
  });

  it("6.1: 2^20 areas (passed unlimited to the pool) leave area_nslabs 0: every map fails 'swiotlb buffer is full'; 6.6 limits them to the pool's segments", () => {
    const k1 = bootK("rpi4", "6.1", { swiotlb: ",1048576" });
    const m1 = k1.io_tlb_default_mem as unknown as { nslabs: number; nareas: number; area_nslabs: number };
    expect({ nslabs: m1.nslabs, nareas: m1.nareas, area_nslabs: m1.area_nslabs }).toEqual({ nslabs: 262144, nareas: 1048576, area_nslabs: 0 });
    expect(lines(k1)).toContain("software IO TLB: SWIOTLB bounce buffer size adjusted 134217728 -> 262144 slabs");
    const r = runYaml(MAP("rpi4", ",1048576"), { kernel: "6.1" });
    expect(r.steps[1]!.result).toMatchObject({ ret: "DMA_MAPPING_ERROR", bounced: false });
    expect(r.log!.map((l) => l.message)).toContain("bcm2835-codec fe00b000.v4l2: swiotlb buffer is full (sz: 64 bytes), total 262144 (slots), used 0 (slots)");
    expect(runYaml(MAP("rpi4", ",1048576"), { kernel: "6.6" }).steps[1]!.result).toMatchObject({ dma_addr: "0xd7400000", bounced: true });
  });
});

describe("slab counts beyond 1 << 22: no era caps them; the buffer does not fit", () => {
  it("8388608 slabs (16 GiB): 5.10 / 5.15 'Cannot allocate buffer', 5.19 'failed to allocate tlb structure' (no pool); 6.x halve until it fits", () => {
    for (const [kernel, msg] of [["5.10", "Cannot allocate buffer"], ["5.15", "Cannot allocate buffer"], ["5.19", "swiotlb_init_remap: failed to allocate tlb structure"]] as const) {
      const x = bootK("x86_64", kernel, { swiotlb: "8388608" });
      expect([pool(x), lines(x)], kernel).toEqual([null, [`software IO TLB: ${msg}`, PCI, "software IO TLB: No low mem"]]);
      const r = bootK("rpi4", kernel, { swiotlb: "8388608" });
      expect([pool(r), lines(r)], kernel).toEqual([null, [`software IO TLB: ${msg}`]]);
    }
    for (const kernel of ["6.1", "6.6", "6.18"]) {
      const x = bootK("x86_64", kernel, { swiotlb: "8388608" });
      expect(pool(x), kernel).toEqual({ nslabs: 1048576, start: 0x4000_0000, end: 0xc000_0000 });
      expect(lines(x).slice(1, 5), kernel).toEqual([17179869184, 8589934592, 4294967296].map((b) => `software IO TLB: swiotlb_memblock_alloc: Failed to allocate ${b} bytes tlb structure`).concat("software IO TLB: SWIOTLB bounce buffer size adjusted 8388608 -> 1048576 slabs"));
      expect(pool(bootK("rpi4", kernel, { swiotlb: "8388608" })), kernel).toEqual({ nslabs: 262144, start: 0x1740_0000, end: 0x3740_0000 });
    }
  });

  it("2^42 slabs (8 PiB) is modelled exactly (6.1's first try asks for 2^53 bytes); past 2^42 is refused as not modelled", () => {
    expect(lines(bootK("rpi4", "6.1", { swiotlb: "4398046511104" }))[1]).toBe("software IO TLB: swiotlb_memblock_alloc: Failed to allocate 9007199254740992 bytes tlb structure");
    expect(() => bootK("rpi4", "6.1", { swiotlb: "4398046511105" })).toThrow(/a slab count of 4398046511232 \(after ALIGN to 128\) is not modelled/);
  });
});

describe("32-bit ARM without LPAE or Xen builds no kernel/dma/swiotlb.c: swiotlb= is no early parameter there", () => {
  it("arm32 6.1 / 6.18: swiotlb=0,4 prints no 'area num' line; a slab count dmasim refuses elsewhere boots (nothing parses it)", () => {
    for (const kernel of ["6.1", "6.18"]) {
      const k = bootK("arm32", kernel, { swiotlb: "0,4" });
      expect([pool(k), lines(k)], kernel).toEqual([null, []]);
      expect(lines(bootK("arm32", kernel, { swiotlb: "0x40000000001,2000000" })), kernel).toEqual([]);
    }
  });
});

describe("the CLI", () => {
  it("--set swiotlb=0 runs on 5.15 with the modelled panic as the result (exit 1, a failed run); not-modelled values are one error line, exit 2", async () => {
    const ok = await runCli(["run", "-", "--kernel", "5.15", "--set", "swiotlb=0", "--json"], { input: MAP("rpi4", "force") });
    expect([ok.code, ok.stderr]).toEqual([1, ""]);
    const j = JSON.parse(ok.stdout) as { faults: { kind: string; message: string }[] };
    expect(j.faults[0]).toMatchObject({ kind: "panic", message: "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer" });
    const areas = await runCli(["run", "-", "--kernel", "6.1", "--set", "swiotlb=8192,2000000"], { input: MAP("rpi4", "force") });
    expect([areas.code, areas.stderr]).toEqual([2, "dmasim: --set swiotlb=8192,2000000: 2000000 areas (swiotlb_adjust_nareas rounds to 2097152) is not modelled: dmasim models up to 1048576 areas\n"]);
    const slabs = await runCli(["run", "-", "--set", "swiotlb=0x40000000001"], { input: MAP("rpi4", "force") });
    expect([slabs.code, slabs.stderr]).toEqual([2, "dmasim: --set swiotlb=0x40000000001: a slab count of 4398046511232 (after ALIGN to 128) is not modelled: dmasim models up to 4398046511104 slabs (8 PiB), where nslabs << IO_TLB_SHIFT stays exact\n"]);
    // bench boots in worker threads: the refusal comes first, from the main thread (bench.ts), placed the same way
    const bench = await runCli(["bench", "--platform", "rpi4", "-s", "1", "--set", "swiotlb=0x40000000001"]);
    expect([bench.code, bench.stdout, bench.stderr]).toEqual([2, "", "dmasim: --set swiotlb=0x40000000001: a slab count of 4398046511232 (after ALIGN to 128) is not modelled: dmasim models up to 4398046511104 slabs (8 PiB), where nslabs << IO_TLB_SHIFT stays exact\n"]);
  }, 60_000);
});
