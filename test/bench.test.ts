/**
 * `dmasim bench` — the kernel's dma_map_benchmark interface (dma-api-rules-debug-bench.md §3):
 * argument validation in the kernel's order with its pr_err texts (exit 2, one stderr line), the
 * tool's three output lines, and the engine core (struct map_benchmark, 100 ns truncation,
 * integer statistics). Timings are not tested.
 */
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, type Io } from "../src/cli/program.js";
import { registerBench } from "../src/cli/bench.js";
import { InputError } from "../src/core/faults.js";
import {
  DMA_MAP_BENCHMARK,
  int_sqrt64,
  map_benchmark_check,
  map_benchmark_defaults,
  map_benchmark_format,
  map_benchmark_ioctl,
  map_benchmark_stats,
  map_benchmark_tool_check,
  type MapBenchmark,
} from "../src/kernel/dma/map-benchmark.js";
import { bootK } from "./helpers.js";
import { dmasim } from "./cli-spawn.js";

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): NodeJS.WriteStream & { text: string } {
  const s = { text: "", isTTY: false, columns: 80, write(c: string) {
    s.text += c;
    return true;
  } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

/**
 * The program as program.ts builds it, with `bench` registered the way program.ts does (if it
 * does not already), and main()'s error handling: usage and input errors are exit 2 with one line.
 */
async function cli(...args: string[]): Promise<Out> {
  const out = sink();
  const err = sink();
  const io: Io = { out, err, env: {} };
  const state = { code: 0 };
  const program = buildProgram(io, state);
  if (!program.commands.some((c) => c.name() === "bench")) registerBench(program, io, state);
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      err.write(`dmasim: ${e.message.replace(/^error:\s*/i, "")}\n`);
      state.code = 2;
    } else if (e instanceof InputError) {
      err.write(`dmasim: ${e.message}\n`);
      state.code = 2;
    } else throw e;
  }
  return { code: state.code, stdout: out.text, stderr: err.text };
}

function lines(s: string): string[] {
  return s.split("\n").filter((l) => l.length > 0);
}

/** Exit 2, nothing on stdout, exactly one stderr line. */
function usage(o: Out): string {
  expect(o.code, o.stderr).toBe(2);
  expect(o.stdout).toBe("");
  const l = lines(o.stderr);
  expect(l, o.stderr).toHaveLength(1);
  return l[0]!;
}

describe("dmasim bench: validation (map_benchmark_ioctl's checks, kernel order and messages)", () => {
  const cases: [string[], string][] = [
    [["-t", "0"], "invalid thread number"],
    [["-t", "1025"], "invalid thread number"],
    [["-s", "0"], "invalid duration seconds"],
    [["-s", "301"], "invalid duration seconds"],
    [["-x", "10000001"], "invalid transmission delay"],
    [["-x", "-1"], "invalid transmission delay"],
    [["-n", "1"], "invalid numa node"],
    [["-n", "-2"], "invalid numa node"],
    [["-g", "0"], "invalid granule size"],
    [["-g", "1025"], "invalid granule size"],
    [["-d", "3"], "invalid DMA direction"],
    [["-d", "-1"], "invalid DMA direction"],
    // the kernel has no dma_bits range check: the selftest tool's own message
    [["-b", "19"], "invalid dma mask bit, must be in 20-64"],
    [["-b", "65"], "invalid dma mask bit, must be in 20-64"],
  ];
  for (const [args, msg] of cases)
    it(`${args.join(" ")} → "${msg}", exit 2`, async () => {
      const l = usage(await cli("bench", ...args));
      // the kernel's pr_err lines carry its pr_fmt, KBUILD_MODNAME "map_benchmark: "; the tool's own check its name
      expect(l.startsWith(`dmasim: ${args[0] === "-b" ? "dma_map_benchmark" : "map_benchmark"}: ${msg} (${args.join(" ")}`), l).toBe(true);
    });

  it("checks in the kernel's order: threads before direction, granule before direction", async () => {
    expect(usage(await cli("bench", "-d", "7", "-t", "0"))).toContain("invalid thread number");
    expect(usage(await cli("bench", "-d", "7", "-g", "0"))).toContain("invalid granule size");
    expect(usage(await cli("bench", "-n", "3", "-x", "20000000"))).toContain("invalid transmission delay");
  });

  it("a value that is not a whole number is a usage error", async () => {
    expect(usage(await cli("bench", "-t", "two"))).toContain("-t: 'two' is not a whole number");
  });

  it("unknown platform / device / config key: one line, exit 2", async () => {
    expect(usage(await cli("bench", "--platform", "pdp11"))).toContain("unknown platform");
    expect(usage(await cli("bench", "--device", "nope"))).toContain("unknown device");
    expect(usage(await cli("bench", "--set", "bogus=1"))).toContain("unknown config key");
  });

  it("a mask the device cannot take: \"failed to set dma_mask on device\", exit 2", { timeout: 60_000 }, async () => {
    // rpi4: ZONE_DMA is 30 bits and the soc bus window starts at 0xc0000000: a 24-bit mask is refused
    const l = usage(await cli("bench", "-b", "24", "-s", "1"));
    expect(l).toBe("dmasim: map_benchmark: failed to set dma_mask on device fe00b000.v4l2");
  });
});

describe("dmasim bench: output (the selftest tool's lines)", () => {
  it("-s 1: the header and the two latency lines", { timeout: 60_000 }, async () => {
    const o = await cli("bench", "-s", "1", "--platform", "x86_64", "--set", "mem=2G");
    expect(o.code, o.stderr).toBe(0);
    const l = lines(o.stdout);
    expect(l).toHaveLength(4);
    expect(l[0]).toBe("dma mapping benchmark: threads:1 seconds:1 node:-1 dir:BIDIRECTIONAL granule: 1");
    expect(l[3]).toMatch(/^\(model time: the simulator's code on this host, [1-9]\d* map\/unmap loops in 1 thread; not a device's latency\)$/);
    expect(l[1]).toMatch(/^average map latency\(us\):\d+\.\d standard deviation:\d+\.\d$/);
    expect(l[2]).toMatch(/^average unmap latency\(us\):\d+\.\d standard deviation:\d+\.\d$/);
  });

  it("-t 2 runs two workers; direction and granule appear in the header", { timeout: 60_000 }, async () => {
    const o = await cli("bench", "-t", "2", "-s", "1", "-d", "2", "-g", "4", "-n", "0", "--platform", "x86_64", "--set", "mem=2G", "--json");
    expect(o.code, o.stderr).toBe(0);
    const r = JSON.parse(o.stdout) as MapBenchmark & { loops: number };
    expect(r).toMatchObject({ threads: 2, seconds: 1, node: 0, dma_dir: 2, granule: 4, dma_bits: 32, time: "model" });
    expect(r.loops).toBeGreaterThan(0);
    expect(map_benchmark_format(r)[0]).toBe("dma mapping benchmark: threads:2 seconds:1 node:0 dir:FROM_DEVICE granule: 4");
  });

  it("a mapping that fails ends the run: the kernel's \"dma_map_single failed on <dev>\" line and a FAIL verdict on stdout, exit 1", { timeout: 60_000 }, async () => {
    // -g 1024: a 4 MiB buffer above the rpi4 soc window must bounce, and swiotlb maps at most 256 KiB
    const o = await cli("bench", "-g", "1024", "-s", "1");
    expect(o.code).toBe(1);
    expect(o.stderr).toBe("");
    expect(lines(o.stdout)).toEqual([
      "log (KERN_ERR): map_benchmark: dma_map_single failed on fe00b000.v4l2",
      "FAIL: dma_map_benchmark did not complete — map_benchmark_thread: dma_map_single failed on fe00b000.v4l2 (the ioctl returned -ENOMEM)",
    ]);
  });
});

describe("dmasim bench: a modelled kernel fault is a result, reported as run reports it (the built CLI)", () => {
  // x86_64 with 2 GiB: no swiotlb pool (pci_swiotlb_detect_4gb), so a 24-bit mask (ZONE_DMA's 16 MiB) makes every map
  // of a buffer above 16 MiB bounce into nothing
  const noPool = ["--platform", "x86_64", "--set", "mem=2G", "-b", "24", "-s", "1", "-t", "2"];
  it("5.13: swiotlb_tbl_map_single panics in the benchmark kthread: the PANIC line and a FAULT verdict on stdout, exit 1 (it was 'dmasim: Kernel panic: Kernel panic - not syncing: …' on stderr)", { timeout: 60_000 }, async () => {
    const o = await dmasim(["bench", ...noPool, "--kernel", "5.13"]);
    expect(o.stderr).toBe("");
    expect(o.code).toBe(1);
    const msg = "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer";
    // two workers, one machine: the panic is shown once
    expect(lines(o.stdout)).toEqual([`PANIC: ${msg} (pc swiotlb_tbl_map_single)`, `FAULT: dma_map_benchmark did not complete, 1 fault (panic) — map_benchmark_thread: panic: ${msg}`]);
    const j = await dmasim(["bench", ...noPool, "--kernel", "5.13", "--json"]);
    expect(j.code).toBe(1);
    expect(j.stderr).toBe("");
    const r = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(r).toMatchObject({ ok: false, platform: "x86_64", kernel: "5.13", loops: 0, avg_map_100ns: 0, faults: [{ kind: "panic", message: msg, pc: "swiotlb_tbl_map_single" }], first_failure: `map_benchmark_thread: panic: ${msg}` });
  });
  it("5.19: the dev_WARN_ONCE splat, in the benchmark kthread's name (comm cut to 15 characters), then -ENOMEM: FAIL, exit 1", { timeout: 60_000 }, async () => {
    const o = await dmasim(["bench", ...noPool, "--kernel", "5.19"]);
    expect(o.code).toBe(1);
    expect(o.stderr).toBe("");
    const l = lines(o.stdout);
    expect(l[0]).toBe("WARN: snd_hda_intel 0000:02:00.0: DMA addr 0x0000000003004000+4096 overflow (mask ffffff, bus limit 0). (pc dma_direct_map_page, at kernel/dma/direct.h:97)");
    expect(l).toContain("  │ CPU: 0 PID: 1000 Comm: dma-map-benchma Not tainted 5.19.0 #1");
    expect(l.filter((x) => x.startsWith("WARN: "))).toHaveLength(1);
    expect(l.slice(-2)).toEqual([
      "log (KERN_ERR): map_benchmark: dma_map_single failed on 0000:02:00.0",
      "FAIL: dma_map_benchmark did not complete, 1 fault (warn) — map_benchmark_thread: dma_map_single failed on 0000:02:00.0 (the ioctl returned -ENOMEM)",
    ]);
  });
  it("a panic at boot (x86 PV dom0, 5.13, mem=1G swiotlb=1048576): the PANIC line and FAULT 'boot: panic: …', exit 1, no stack trace", { timeout: 60_000 }, async () => {
    const o = await dmasim(["bench", "-s", "1", "--platform", "x86_64-xen-pv", "--kernel", "5.13", "--set", "mem=1G", "--set", "swiotlb=1048576"]);
    expect(o.stderr).toBe("");
    expect(o.code).toBe(1);
    const msg = "Kernel panic - not syncing: xen_swiotlb_init_early: Failed to allocate 2147483648 bytes align=0x1000";
    expect(lines(o.stdout)).toEqual([`PANIC: ${msg} (pc xen_swiotlb_init_early)`, `FAULT: dma_map_benchmark did not complete, 1 fault (panic) — boot: panic: ${msg}`]);
  });
});

describe("map_benchmark core (kernel/dma/map_benchmark.c)", () => {
  it("DMA_MAP_BENCHMARK is _IOWR('d', 1, struct map_benchmark) with a 136-byte struct", () => {
    expect(DMA_MAP_BENCHMARK).toBe(((3 << 30) | (136 << 16) | (0x64 << 8) | 1) >>> 0);
  });

  it("validation order: threads, seconds, delay, node, granule, direction", () => {
    const bp = { ...map_benchmark_defaults(), threads: 0, seconds: 0, dma_trans_ns: 2e7, node: 5, granule: 0, dma_dir: 9 };
    const order: string[] = [];
    const fix: Partial<MapBenchmark>[] = [{ threads: 1 }, { seconds: 1 }, { dma_trans_ns: 0 }, { node: -1 }, { granule: 1 }, { dma_dir: 0 }];
    for (const f of fix) {
      order.push(map_benchmark_check(bp)!.message);
      Object.assign(bp, f);
    }
    expect(map_benchmark_check(bp)).toBeNull();
    expect(order).toEqual(["invalid thread number", "invalid duration seconds", "invalid transmission delay", "invalid numa node", "invalid granule size", "invalid DMA direction"]);
    expect(map_benchmark_tool_check({ ...bp, dma_bits: 16 })!.message).toBe("invalid dma mask bit, must be in 20-64");
  });

  it("statistics are the kernel's integer arithmetic", () => {
    // samples 0, 1, 2, 3 (100 ns units): mean 6/4 = 1, variance 14/4 - 1 = 2, stddev int_sqrt(2) = 1
    expect(map_benchmark_stats({ loops: 4, sum_map_100ns: 6, sum_sq_map: 14, sum_unmap_100ns: 0, sum_sq_unmap: 0 })).toEqual({ avg_map_100ns: 1, map_stddev: 1, avg_unmap_100ns: 0, unmap_stddev: 0 });
    expect(map_benchmark_stats({ loops: 0, sum_map_100ns: 0, sum_sq_map: 0, sum_unmap_100ns: 0, sum_sq_unmap: 0 }).avg_map_100ns).toBe(0);
    expect(int_sqrt64(0n)).toBe(0n);
    expect(int_sqrt64(15n)).toBe(3n);
    expect(int_sqrt64(16n)).toBe(4n);
    expect(int_sqrt64(2n ** 62n)).toBe(2n ** 31n);
  });

  it("output: the 100 ns values divided by 10 with one decimal", () => {
    const bp = { ...map_benchmark_defaults(), threads: 16, seconds: 10, node: 0, avg_map_100ns: 11, map_stddev: 19, avg_unmap_100ns: 5, unmap_stddev: 8 };
    expect(map_benchmark_format(bp)).toEqual([
      "dma mapping benchmark: threads:16 seconds:10 node:0 dir:BIDIRECTIONAL granule: 1",
      "average map latency(us):1.1 standard deviation:1.9",
      "average unmap latency(us):0.5 standard deviation:0.8",
    ]);
    expect(map_benchmark_format({ ...bp, avg_map_100ns: 2123 })[1]).toBe("average map latency(us):212.3 standard deviation:1.9");
  });

  it("each timed delta is truncated to 100 ns units; the fill and the transfer delay are not timed", () => {
    const k = bootK("x86_64", "5.14", { mem: "2G" });
    const dev = k.devices.get(k.platform.defaultDevice)!;
    // a clock that advances 150 ns per reading: every timed interval is 150 ns → 1 unit
    let t = 0;
    const now = () => (t += 150e-6);
    const r = map_benchmark_ioctl(k, dev, { ...map_benchmark_defaults(), seconds: 1, dma_trans_ns: 1000 }, { now, maxLoops: 50 });
    expect(r.ret).toBe(0);
    expect(r.acc.loops).toBe(50);
    expect(r.acc).toMatchObject({ sum_map_100ns: 50, sum_sq_map: 50, sum_unmap_100ns: 50, sum_sq_unmap: 50 });
    expect(r.bp).toMatchObject({ avg_map_100ns: 1, map_stddev: 0, avg_unmap_100ns: 1, unmap_stddev: 0 });
    // 99 ns per reading: every interval truncates to 0
    t = 0;
    const r2 = map_benchmark_ioctl(k, dev, { ...map_benchmark_defaults(), seconds: 1 }, { now: () => (t += 99e-6), maxLoops: 20 });
    expect(r2.bp.avg_map_100ns).toBe(0);
    expect(r2.acc.sum_sq_unmap).toBe(0);
    // the mask is restored after the run; no fault, no leaked page
    expect(dev.dma_mask).toBe(2n ** 32n - 1n);
    expect(k.faults).toEqual([]);
  });

  it("the buffer is filled with 0x66 through the CPU cache unless DMA_FROM_DEVICE (rpi4: non-coherent, bounced)", () => {
    const k = bootK("rpi4", "5.14");
    const dev = k.devices.get(k.platform.defaultDevice)!;
    let t = 0;
    const r = map_benchmark_ioctl(k, dev, { ...map_benchmark_defaults(), seconds: 1, dma_dir: 1 }, { now: () => (t += 1e-4), maxLoops: 3 });
    expect(r.ret).toBe(0);
    const mem = k.io_tlb_default_mem!;
    expect(mem.used).toBe(0);
    // the last bounce copied the 0x66 fill into the slot the device read
    const slot = mem.start + ((mem.index - 2 + mem.nslabs) % mem.nslabs) * 2048;
    expect([...k.mem.read(slot, 8)]).toEqual(Array(8).fill(0x66));
  });
});
