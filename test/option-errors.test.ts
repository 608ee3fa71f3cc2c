/**
 * Bad values given on the command line (no file to place them in): one line naming the option,
 * exit 2, through the built CLI. Bad `config:` values in a scenario are the cfg-* cases of the
 * hostile corpus (test/hostile/manifest.json), each placed at file:line:col of the value.
 */
import { describe, expect, it } from "vitest";
import { dmasim } from "./cli-spawn.js";

const SEED = "scenarios/seed-mmap.yaml";

describe.concurrent("command-line option errors: one line naming the option, exit 2", () => {
  const cases: [string[], string][] = [
    [["run", SEED, "--set", "swiotlb=0x40000000001,4"], "dmasim: --set swiotlb=0x40000000001,4: a slab count of 4398046511232 (after ALIGN to 128) is not modelled: dmasim models up to 4398046511104 slabs (8 PiB), where nslabs << IO_TLB_SHIFT stays exact"],
    [["run", SEED, "--platform", "x86_64", "--set", "iommu.strict=0"], "dmasim: --set iommu.strict=0: x86_64 has no IOMMU"],
    [["run", SEED, "--set", "restricted_dma_pool=lots"], "dmasim: --set restricted_dma_pool=lots: 'lots' is not a number (use decimal, 0x hex, or a K/M/G suffix)"],
    [["run", SEED, "--kernel", "6.1", "--set", "restricted_dma_pool=4M@0x200000"], "dmasim: --set restricted_dma_pool=4M@0x200000: 0x200000+0x400000 overlaps kernel image at 0x200000"],
    [["run", SEED, "--set", "CONFIG_DMA_API_DEBGU=y"], "dmasim: --set CONFIG_DMA_API_DEBGU=y: unknown config key 'CONFIG_DMA_API_DEBGU' (known: mem, cma, coherent_pool, swiotlb, CONFIG_DEBUG_VIRTUAL, CONFIG_DMA_API_DEBUG, CONFIG_DMA_API_DEBUG_SG, va_bits, dma_debug_all_errors, dma_debug_num_errors, dma_debug_entries, xen_cache_flush, iommu.strict, iommu.passthrough, iommu.forcedac, CONFIG_DEBUG_VM, CONFIG_KASAN, CONFIG_SLAB_FREELIST_HARDENED, CONFIG_SWIOTLB_DYNAMIC, nr_cpus, restricted_dma_pool, no_hash_pointers, trace_options, slub_debug)"],
    [["run", SEED, "--platform", "rpi5"], "dmasim: --platform: unknown platform 'rpi5' (did you mean 'rpi4'?) (known: rpi4, rpi4-xen, arm64-coherent, arm64-smmu, arm32, x86_64, x86_64-iommu, x86_64-xen-pv, arm64-ram32g)"],
    [["matrix", SEED, "--kernels", "5.10,4.19"], "dmasim: --kernels: unknown kernel '4.19' (modelled: 5.6, 5.10, 5.13, 5.14, 5.15, 5.19, 6.1, 6.6, 6.12, 6.18)"],
    [["explain", "dma_alloc_coherent", "--platform", "x86_64", "--device", "camera"], "dmasim: --device: x86_64 has no camera device (roles there: nic, audio, storage)"],
    [["explain", "dma_alloc_coherent", "--platform", "rpi4", "--set", "cma=3M"], "dmasim: --set cma=3M: 3M is not a multiple of 4M"],
    [["run", SEED, "--kernel", "6.1", "--set", "CONFIG_SWIOTLB_DYNAMIC=y"], `dmasim: --set CONFIG_SWIOTLB_DYNAMIC=y: Linux 6.1 has no CONFIG_SWIOTLB_DYNAMIC (kernel/dma/Kconfig gains it in 6.6 with 79636caad361 "swiotlb: if swiotlb is full, fall back to a transient memory pool")`],
    [["run", SEED, "--platform", "arm32", "--set", "restricted_dma_pool=256M"], "dmasim: --set restricted_dma_pool=256M: does not apply to arm32: CONFIG_DMA_RESTRICTED_POOL depends on SWIOTLB, which 32-bit ARM without LPAE does not have"],
  ];
  it.each(cases)("dmasim %j", async (args, line) => {
    const o = await dmasim(args);
    expect(o.code, o.stderr).toBe(2);
    expect(o.stderr).toBe(line + "\n");
  });

  it("CONFIG_SWIOTLB_DYNAMIC in a scenario: N/A in the matrix before 6.6, the transient pool from 6.6", async () => {
    const yaml = "name: x\nplatform: x86_64\nconfig: { swiotlb: \"1024,force\", CONFIG_SWIOTLB_DYNAMIC: y }\nsteps:\n  - {op: kmalloc, size: 64, as: b}\n  - {op: dma_map_single, buf: b, size: 64, dir: DMA_TO_DEVICE}\n";
    const o = await dmasim(["matrix", "-", "--platforms", "x86_64", "--kernels", "6.1,6.6", "--json"], { input: yaml });
    expect(o.code, o.stderr).toBe(0);
    const cells = (JSON.parse(o.stdout) as { cells: { kernel: string; verdict: string }[] }).cells;
    expect(cells.map((c) => `${c.kernel} ${c.verdict}`)).toEqual(["6.1 N/A", "6.6 PASS"]);
    const r = await dmasim(["run", "-", "--kernel", "5.15"], { input: yaml });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`<stdin>:3:58: CONFIG_SWIOTLB_DYNAMIC: Linux 5.15 has no CONFIG_SWIOTLB_DYNAMIC (kernel/dma/Kconfig gains it in 6.6 with 79636caad361 "swiotlb: if swiotlb is full, fall back to a transient memory pool")\n`);
  });

  it("a --set value overrides the file's and is blamed on the option, not on the file", async () => {
    const yaml = "name: x\nplatform: rpi4\nconfig:\n  mem: 2G\nsteps:\n  - {op: kmalloc, size: 64}\n";
    const o = await dmasim(["run", "-", "--set", "mem=3G"], { input: yaml });
    expect(o.code).toBe(2);
    expect(o.stderr).toBe("dmasim: --set mem=3G: 3G is not a RAM size of rpi4 (use 1G, 2G, 4G, 8G, 16G, 32G, 64G, 128G, 256G, 512G, 1024G)\n");
    // the file's cma is checked against the RAM --set gives, and blamed on the file's value
    const o2 = await dmasim(["run", "-", "--set", "mem=1G"], { input: yaml.replace("  mem: 2G\n", "  cma: 768M\n") });
    expect(o2.code).toBe(2);
    expect(o2.stderr).toBe("<stdin>:4:8: cma: 768M is more than half of RAM (1G)\n");
  });
});

describe("a run-time error about a step's argument: at that argument's value, in run and in every matrix cell", () => {
  it("matrix --jobs 2 (cells in worker threads) places it as run does", async () => {
    const dir = "test/hostile";
    const r = await dmasim(["run", "step-kfree-vmalloc.yaml"], { cwd: `${process.cwd()}/${dir}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("step-kfree-vmalloc.yaml:5:24: steps[1].buf: not a kmalloc buffer (it came from vmalloc)\n");
    const m = await dmasim(["matrix", "step-kfree-vmalloc.yaml", "step-cpu-beyond-nr-cpus.yaml", "--platforms", "rpi4,x86_64", "--kernels", "5.10,6.1", "--jobs", "2", "--json"], { cwd: `${process.cwd()}/${dir}` });
    expect(m.code).toBe(2);
    const cells = (JSON.parse(m.stdout) as { cells: { error?: string }[] }).cells;
    expect(cells).toHaveLength(8);
    expect(new Set(cells.slice(0, 4).map((c) => c.error))).toEqual(new Set([r.stderr.trimEnd()]));
    expect(new Set(cells.slice(4).map((c) => c.error))).toEqual(new Set(["step-cpu-beyond-nr-cpus.yaml:8:11: steps[0].cpu: cpu 3 does not exist: nr_cpus is 2 (CPUs 0..1; set config nr_cpus)"]));
  });
});
