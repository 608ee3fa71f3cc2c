/**
 * A swiotlb / dma-direct maintainer's walk (stop 20, branch s20-swwalk): divergences found by
 * reading dmasim's output next to each version's kernel/dma/swiotlb.c, each fixed with a test that
 * fails on the old code. Facts and line numbers: docs/verified-facts.md, "swiotlb / dma-direct
 * maintainer's walk (stop 20)".
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { is_swiotlb_active, is_swiotlb_buffer } from "../src/kernel/dma/swiotlb/index.js";

const boot = (kernel: string, platform = "rpi4", extra = "") => `
name: noforce
platform: ${platform}
kernel: "${kernel}"
config: { swiotlb: noforce${extra} }
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
  - { op: dma_max_mapping_size }
`;

describe("swiotlb=noforce: 5.6–5.11 still allocate a one-slab pool (setup_io_tlb_npages sets io_tlb_nslabs = 1); 5.12+ none", () => {
  it("rpi4: 5.6 and 5.10 report a 2 KiB pool at the top of the low GiB, (0MB); 5.14 on print nothing", () => {
    const tlb = (kernel: string) => (runYaml(boot(kernel)).log ?? []).filter((l) => l.message.startsWith("software IO TLB")).map((l) => l.message);
    expect(tlb("5.6")).toEqual(["software IO TLB: mapped [mem 0x373ff000-0x373ff800] (0MB)"]);
    expect(tlb("5.10")).toEqual(["software IO TLB: mapped [mem 0x00000000373ff000-0x00000000373ff800] (0MB)"]);
    for (const kernel of ["5.14", "5.15", "5.19", "6.1", "6.6"]) expect(tlb(kernel), kernel).toEqual([]);
  });
  it("the pool is active (dma_max_mapping_size is swiotlb's 256 KiB for the addressing-limited codec) but never bounced into: the map still fails", () => {
    for (const kernel of ["5.6", "5.10"]) {
      const r = runYaml(boot(kernel));
      expect(r.steps[1]!.result?.ret, kernel).toBe("DMA_MAPPING_ERROR");
      expect(r.steps[1]!.result?.bounced, kernel).toBe(false);
      expect(r.steps[2]!.result?.ret, kernel).toBe("262144");
    }
    for (const kernel of ["5.14", "5.19", "6.1"]) expect(runYaml(boot(kernel)).steps[2]!.result?.ret, kernel).toBe("SIZE_MAX");
  });
  it("the slot is the pool: is_swiotlb_buffer covers [0x373ff000, 0x373ff800) only; a number before noforce is overridden", () => {
    const k = bootK("rpi4", "5.10", { swiotlb: "4096,noforce" });
    expect(is_swiotlb_active(k)).toBe(true);
    expect(k.io_tlb_default_mem!.nslabs).toBe(1);
    expect(is_swiotlb_buffer(k, 0x373ff000)).toBe(true);
    expect(is_swiotlb_buffer(k, 0x373ff7ff)).toBe(true);
    expect(is_swiotlb_buffer(k, 0x373ff800)).toBe(false);
    expect(is_swiotlb_active(bootK("rpi4", "5.14", { swiotlb: "noforce" }))).toBe(false);
  });
  it("x86_64 with 8 GiB: 5.10 reports the one slab late, after the PCI-DMA line", () => {
    const log = (runYaml(boot("5.10", "x86_64", ", mem: 8G")).log ?? []).map((l) => l.message);
    expect(log).toEqual(["PCI-DMA: Using software bounce buffering for IO (SWIOTLB)", "software IO TLB: mapped [mem 0x00000000bffff000-0x00000000bffff800] (0MB)"]);
    // 5.19: no pool (swiotlb_force_disable), but x86_swiotlb_enable still reports: "No low mem" (see the x86 noforce test below)
    expect((runYaml(boot("5.19", "x86_64", ", mem: 8G")).log ?? []).filter((m) => m.message.includes("IO TLB")).map((m) => m.message)).toEqual(["software IO TLB: No low mem"]);
  });
});

const ma = (kernel: string, sync: string) => `
name: bounce warn
platform: x86_64
kernel: "${kernel}"
config: { swiotlb: "1024,force", mem: 2G }
steps:
  - { op: dma_set_min_align_mask, mask: 0xfff }
  - { op: kmalloc, size: 16K, as: buf }
  - { op: dma_map_single, buf: buf, offset: 0x900, size: 6K, dir: DMA_BIDIRECTIONAL, as: m }
  - ${sync}
`;

describe("swiotlb_bounce's dev_WARN_ONCEs print their own file:line in the WARNING line (was: no location)", () => {
  it("a partial sync that starts in a later slot below the min_align offset: 'Access before mapping start' at each tree's line (5.15–6.6)", () => {
    const sites: Record<string, string> = { "5.15": "383", "5.19": "412", "6.1": "568", "6.6": "874" };
    for (const [kernel, line] of Object.entries(sites)) {
      const r = runYaml(ma(kernel, "{ op: dma_sync_single_for_cpu, map: m, offset: 0x700, size: 16 }"));
      const w = r.faults.filter((f) => f.kind === "warn");
      expect(w.length, kernel).toBe(1);
      expect(w[0]!.at, kernel).toBe(`kernel/dma/swiotlb.c:${line}`);
      expect(w[0]!.report, kernel).toContain("snd_hda_intel 0000:02:00.0: Access before mapping start detected. orig offset 256, requested offset 0.");
      expect(w[0]!.report!.find((l) => l.startsWith("WARNING: CPU")), kernel).toBe(`WARNING: CPU: 0 PID: 1000 at kernel/dma/swiotlb.c:${line} swiotlb_bounce+0x…/0x…`);
    }
  });
  it("a sync longer than the mapping: 'Buffer overflow detected. Allocation size: 6144. Mapping size: 8192.' (5.14 on; 5.10 copies without a check)", () => {
    const sites: Record<string, string> = { "5.14": "369", "5.15": "401", "5.19": "430", "6.1": "586", "6.6": "892", "6.12": "889", "6.18": "890" };
    for (const [kernel, line] of Object.entries(sites)) {
      const r = runYaml(ma(kernel, "{ op: dma_sync_single_for_cpu, map: m, size: 8K }"));
      const w = r.faults.filter((f) => f.kind === "warn");
      expect(w.map((f) => f.at), kernel).toEqual([`kernel/dma/swiotlb.c:${line}`]);
      expect(w[0]!.report, kernel).toContain("snd_hda_intel 0000:02:00.0: Buffer overflow detected. Allocation size: 6144. Mapping size: 8192.");
      expect(w[0]!.report!.find((l) => l.startsWith("WARNING: CPU")), kernel).toBe(`WARNING: CPU: 0 PID: 1000 at kernel/dma/swiotlb.c:${line} swiotlb_bounce+0x…/0x…`);
    }
    expect(runYaml(ma("5.10", "{ op: dma_sync_single_for_cpu, map: m, size: 8K }")).faults).toEqual([]);
  });
});

describe("6.18 dma_direct_map_phys asks is_swiotlb_force_bounce(dev), the device's pool (was: the swiotlb= option alone)", () => {
  const rmem = (kernel: string) => `
name: restricted
platform: rpi4
kernel: "${kernel}"
config: { restricted_dma_pool: "4M" }
steps:
  - { op: dma_alloc_coherent, size: 16K, as: ring }
  - { op: kmalloc, size: 2K, gfp: GFP_DMA, as: pkt }
  - { op: cpu_write, buf: pkt, data: "packet" }
  - { op: dma_map_single, buf: pkt, size: 2K, dir: DMA_TO_DEVICE, as: m }
  - { op: device_read, map: m, length: 6 }
  - { op: dma_unmap_single, map: m }
`;
  it("a restricted-dma-pool device bounces a reachable buffer through its pool, slot 8 after the 16 KiB ring, as 6.6 and 6.12 do", () => {
    for (const kernel of ["6.6", "6.12", "6.18"]) {
      const r = runYaml(rmem(kernel));
      expect(r.steps[0]!.result?.dma_handle, kernel).toBe("0xf7000000");
      expect(r.steps[3]!.result?.ret, kernel).toBe("0xf7004000");
      expect(r.steps[3]!.result?.bounced, kernel).toBe(true);
      expect(r.steps[4]!.result?.data, kernel).toBe('"packet"');
      expect(r.faults, kernel).toEqual([]);
    }
  });
});

describe("swiotlb=<n> below one segment: setup_io_tlb_npages ALIGNs it up to 128 slots in every version (was refused)", () => {
  it("swiotlb=100 on 5.6 and 5.10: a 128-slot (256 KiB) pool at 0x373c0000", () => {
    const y = (kernel: string) => `
name: small
platform: rpi4
kernel: "${kernel}"
config: { swiotlb: "100" }
steps:
  - { op: kmalloc, size: 64, as: b }
`;
    const tlb = (kernel: string) => (runYaml(y(kernel)).log ?? []).filter((l) => l.message.startsWith("software IO TLB")).map((l) => l.message);
    expect(tlb("5.6")).toEqual(["software IO TLB: mapped [mem 0x373c0000-0x37400000] (0MB)"]);
    expect(tlb("5.10")).toEqual(["software IO TLB: mapped [mem 0x00000000373c0000-0x0000000037400000] (0MB)"]);
    expect(bootK("rpi4", "5.15", { swiotlb: "1" }).io_tlb_default_mem!.nslabs).toBe(128);
  });
});

describe("6.6+ swiotlb_init_remap allocates default_nslabs after the area round-up, and swiotlb=<n>,<areas> says 'area num' at the early param (as 6.1)", () => {
  const y = (kernel: string, swiotlb: string, cpus = 1) => `
name: areas
platform: rpi4
kernel: "${kernel}"
config: { swiotlb: "${swiotlb}", nr_cpus: ${cpus} }
steps:
  - { op: kmalloc, size: 64, as: b }
`;
  const tlb = (kernel: string, swiotlb: string, cpus = 1) => (runYaml(y(kernel, swiotlb, cpus)).log ?? []).filter((l) => l.message.startsWith("software IO TLB")).map((l) => l.message);
  it("swiotlb=100 on 4 CPUs: 4 areas of at least 128 slots, so a 512-slot (1 MiB) pool at 0x37300000 in 6.1, 6.6, 6.12 and 6.18 (was 128 slots from 6.6)", () => {
    for (const kernel of ["6.1", "6.6", "6.12", "6.18"]) {
      expect(tlb(kernel, "100", 4), kernel).toEqual([
        "software IO TLB: area num 4.",
        "software IO TLB: SWIOTLB bounce buffer size roundup to 1MB",
        "software IO TLB: mapped [mem 0x0000000037300000-0x0000000037400000] (1MB)",
      ]);
    }
  });
  it("swiotlb=1100 on one CPU: ALIGN to 1152, not a power of two, rounded up to 2048 slots (4 MiB)", () => {
    for (const kernel of ["6.1", "6.6", "6.18"]) {
      expect(tlb(kernel, "1100"), kernel).toEqual([
        "software IO TLB: area num 1.",
        "software IO TLB: SWIOTLB bounce buffer size roundup to 4MB",
        "software IO TLB: mapped [mem 0x0000000037000000-0x0000000037400000] (4MB)",
      ]);
    }
  });
  it("swiotlb=1024,4: 'area num 4.' is the first boot line (early_param), before the CMA area's", () => {
    for (const kernel of ["6.1", "6.6", "6.12", "6.18"]) {
      const log = (runYaml(y(kernel, "1024,4")).log ?? []).map((l) => l.message);
      expect(log[0], kernel).toBe("software IO TLB: area num 4.");
      expect(log.filter((m) => m.includes("area num")).length, kernel).toBe(1);
    }
  });
});

describe("dma_sync_sg_for_cpu / _for_device reach dma_direct_sync_sg_for_cpu / _for_device (kernel/dma/direct.c), whose own loop calls the arch and swiotlb syncs (was: a dma_direct_sync_single_* frame per entry)", () => {
  const y = (kernel: string) => `
name: sg sync
platform: rpi4
kernel: "${kernel}"
config: { swiotlb: force }
steps:
  - { op: kmalloc, size: 8K, as: b }
  - { op: dma_map_sg, entries: [{ buf: b, length: 1K }, { buf: b, offset: 4K, length: 1K }], dir: DMA_BIDIRECTIONAL, as: s }
  - { op: device_write, map: s, data: "second" }
  - { op: dma_sync_sg_for_cpu, map: s, nents: 2 }
  - { op: cpu_read, buf: b, length: 6 }
  - { op: dma_sync_sg_for_device, map: s, nents: 2 }
`;
  it.each(["5.6", "5.10", "5.15", "6.1", "6.12", "6.18"])("%s: the frames, the two bounces per sync, and the device's bytes back in the buffer", (kernel) => {
    const r = runYaml(y(kernel), { trace: true });
    expect(r.faults, kernel).toEqual([]);
    expect(r.steps[4]!.result?.data).toBe('"second"');
    for (const [step, fn, arch] of [[3, "dma_direct_sync_sg_for_cpu", "arch_sync_dma_for_cpu"], [5, "dma_direct_sync_sg_for_device", "arch_sync_dma_for_device"]] as const) {
      const calls = r.steps[step]!.trace.filter((e) => e.kind === "call").map((e) => (e as { fn: string; depth: number; file: string }));
      const top = calls.find((c) => c.fn === fn);
      expect(top?.file, `${kernel} ${fn}`).toBe("kernel/dma/direct.c");
      expect(calls.some((c) => c.fn.startsWith("dma_direct_sync_single")), kernel).toBe(false);
      // the arch sync runs once per entry, right under dma_direct_sync_sg_*
      expect(calls.filter((c) => c.fn === arch && c.depth === top!.depth + 1).length, kernel).toBe(2);
      expect(r.steps[step]!.trace.filter((e) => e.kind === "swiotlb" && e.op === "bounce").length, kernel).toBe(2);
    }
  });
});

describe("a swiotlb= buffer that does not fit below the low limit: each era's failure (was: the boot refused as a config error, or a 32-bit overflow of nslabs << 11)", () => {
  const y = (kernel: string, slabs: number, platform = "rpi4", mem = "") => `
name: big pool
platform: ${platform}
kernel: "${kernel}"
config: { swiotlb: "${slabs}"${mem} }
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE, as: m }
`;
  const tlb = (r: ReturnType<typeof runYaml>) => (r.log ?? []).filter((l) => /IO TLB|PCI-DMA/.test(l.message)).map((l) => `${l.level} ${l.message}`);
  it("rpi4, 1 GiB (524288 slabs) under a 1 GiB ZONE_DMA: 5.10–5.15 'Cannot allocate buffer' then the map panics; 5.19 'failed to allocate tlb structure' and the unreachable buffer fails with the overflow WARN", () => {
    for (const kernel of ["5.6", "5.10", "5.14", "5.15"]) {
      const r = runYaml(y(kernel, 524288));
      expect(tlb(r), kernel).toEqual(["warn software IO TLB: Cannot allocate buffer"]);
      expect(r.faults.map((f) => f.kind), kernel).toEqual(["panic"]);
      expect(r.faults[0]!.message, kernel).toContain("Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
    }
    const r = runYaml(y("5.19", 524288));
    expect(tlb(r)).toEqual(["warn software IO TLB: swiotlb_init_remap: failed to allocate tlb structure"]);
    expect(r.steps[1]!.result?.ret).toBe("DMA_MAPPING_ERROR");
    expect(r.faults.map((f) => f.kind)).toEqual(["warn"]);
  });
  it("6.1, 6.6, 6.18: swiotlb_memblock_alloc fails once, the loop halves to 262144 slabs: a 512 MiB pool at 0x17400000, and the map bounces into it", () => {
    for (const kernel of ["6.1", "6.6", "6.18"]) {
      const r = runYaml(y(kernel, 524288));
      expect(tlb(r), kernel).toEqual([
        "info software IO TLB: area num 4.",
        "warn software IO TLB: swiotlb_memblock_alloc: Failed to allocate 1073741824 bytes tlb structure",
        "info software IO TLB: SWIOTLB bounce buffer size adjusted 524288 -> 262144 slabs",
        "info software IO TLB: mapped [mem 0x0000000017400000-0x0000000037400000] (512MB)",
      ]);
      expect(r.steps[1]!.result?.ret, kernel).toBe("0xd7400000");
      expect(r.faults, kernel).toEqual([]);
    }
  });
  it("2 GiB (1048576 slabs): no 32-bit overflow of nslabs << IO_TLB_SHIFT; 6.1 halves twice", () => {
    const r = runYaml(y("6.1", 1048576));
    expect(tlb(r).filter((l) => l.includes("Failed to allocate"))).toEqual([
      "warn software IO TLB: swiotlb_memblock_alloc: Failed to allocate 2147483648 bytes tlb structure",
      "warn software IO TLB: swiotlb_memblock_alloc: Failed to allocate 1073741824 bytes tlb structure",
    ]);
    expect(tlb(r)).toContain("info software IO TLB: SWIOTLB bounce buffer size adjusted 1048576 -> 262144 slabs");
  });
  it("x86_64 with 8 GiB, a 4 GiB buffer below 4 GiB: 5.10 reports the PCI-DMA line and 'No low mem'", () => {
    const r = runYaml(y("5.10", 2097152, "x86_64", ", mem: 8G"));
    expect(tlb(r)).toEqual(["warn software IO TLB: Cannot allocate buffer", "info PCI-DMA: Using software bounce buffering for IO (SWIOTLB)", "warn software IO TLB: No low mem"]);
  });
});

describe("x86_64 with 8 GiB and swiotlb=noforce: the `swiotlb` / x86_swiotlb_enable flag still reports (was: nothing)", () => {
  it("5.14, 5.15, 5.19, 6.6: 'PCI-DMA: Using software bounce buffering' then 'No low mem'; 5.10 reports its one-slab pool", () => {
    const y = (kernel: string) => `
name: x86 noforce
platform: x86_64
kernel: "${kernel}"
config: { swiotlb: noforce, mem: 8G }
steps:
  - { op: dma_max_mapping_size }
`;
    const log = (kernel: string) => (runYaml(y(kernel)).log ?? []).map((l) => `${l.level} ${l.message}`);
    for (const kernel of ["5.14", "5.15", "5.19", "6.6", "6.18"]) {
      expect(log(kernel), kernel).toEqual(["info PCI-DMA: Using software bounce buffering for IO (SWIOTLB)", "warn software IO TLB: No low mem"]);
    }
    expect(log("5.10")).toEqual(["info PCI-DMA: Using software bounce buffering for IO (SWIOTLB)", "info software IO TLB: mapped [mem 0x00000000bffff000-0x00000000bffff800] (0MB)"]);
  });
});

describe("'swiotlb buffer is full' is ratelimited by ___ratelimit on the run's clock: 10 per 5 s, then 'swiotlb_tbl_map_single: N callbacks suppressed' (was: 10 per run)", () => {
  it.each(["5.10", "5.14", "6.1", "6.6", "6.18"])("%s: 12 failures, msleep 6000, one more: 10 lines, the suppressed count 2, then the 11th line", (kernel) => {
    const fail = "  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_TO_DEVICE }\n";
    const r = runYaml(`
name: ratelimit
platform: x86_64
kernel: "${kernel}"
config: { swiotlb: "128,force", mem: 2G }
steps:
  - { op: kmalloc, size: 256K, as: a }
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_single, buf: a, size: 256K, dir: DMA_TO_DEVICE, as: ma }
${fail.repeat(12)}  - { op: msleep, ms: 4000 }
${fail}  - { op: msleep, ms: 2000 }
${fail}`);
    const lines = (r.log ?? []).filter((l) => /buffer is full|callbacks suppressed/.test(l.message)).map((l) => l.message.replace(/^.*swiotlb buffer is full.*$/, "FULL"));
    // 4 s later the window (5 s) is still open: the 13th is suppressed too; at 6 s it restarts
    expect(lines).toEqual([...Array(10).fill("FULL"), "swiotlb_tbl_map_single: 3 callbacks suppressed", "FULL"]);
    expect(r.log!.find((l) => l.message.includes("callbacks suppressed"))!.level).toBe("warn");
  });
});

describe("6.11+ (7296f2301a05): swiotlb_tbl_unmap_single / swiotlb_sync_single_for_* are include/linux/swiotlb.h inlines over the exported __ functions", () => {
  const y = (kernel: string) => `
name: frames
platform: x86_64
kernel: "${kernel}"
config: { swiotlb: "1024,force", mem: 2G }
steps:
  - { op: kmalloc, size: 4K, as: b }
  - { op: dma_map_single, buf: b, size: 4K, dir: DMA_BIDIRECTIONAL, as: m }
  - { op: device_write, map: m, data: "frames" }
  - { op: dma_sync_single_for_cpu, map: m }
  - { op: dma_sync_single_for_device, map: m }
  - { op: dma_unmap_single, map: m }
  - { op: cpu_read, buf: b, length: 6 }
`;
  const frames = (r: ReturnType<typeof runYaml>, step: number) =>
    r.steps[step]!.trace.filter((e) => e.kind === "call").map((e) => e as { fn: string; file: string; depth: number }).filter((c) => /swiotlb_(tbl_unmap_single|sync_single_for)/.test(c.fn)).map((c) => `${c.fn} ${c.file}`);
  it("6.12 and 6.18: both frames; 6.6: the exported function alone; the bytes come back either way", () => {
    for (const kernel of ["6.12", "6.18"]) {
      const r = runYaml(y(kernel), { trace: true });
      expect(frames(r, 3), kernel).toEqual(["swiotlb_sync_single_for_cpu include/linux/swiotlb.h", "__swiotlb_sync_single_for_cpu kernel/dma/swiotlb.c"]);
      expect(frames(r, 4), kernel).toEqual(["swiotlb_sync_single_for_device include/linux/swiotlb.h", "__swiotlb_sync_single_for_device kernel/dma/swiotlb.c"]);
      expect(frames(r, 5), kernel).toEqual(["swiotlb_sync_single_for_cpu include/linux/swiotlb.h", "__swiotlb_sync_single_for_cpu kernel/dma/swiotlb.c", "swiotlb_tbl_unmap_single include/linux/swiotlb.h", "__swiotlb_tbl_unmap_single kernel/dma/swiotlb.c"]);
      expect(r.steps[6]!.result?.data, kernel).toBe('"frames"');
    }
    const r = runYaml(y("6.6"), { trace: true });
    expect(frames(r, 5)).toEqual(["swiotlb_sync_single_for_cpu kernel/dma/swiotlb.c", "swiotlb_tbl_unmap_single kernel/dma/swiotlb.c"]);
    expect(r.steps[6]!.result?.data).toBe('"frames"');
  });
});
