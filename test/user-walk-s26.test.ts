/**
 * Stop 26's walk through the product as its users meet it (README, --help, the packed package):
 * each defect found, as the built CLI shows it.
 */
import { describe, expect, it } from "vitest";
import { dmasim } from "./cli-spawn.js";

describe("matrix's compact key names every fault token a cell can show", () => {
  it("a PANIC cell (x86 PV dom0 whose swiotlb buffer does not fit, 5.6–5.15) is explained by the key (it named only OOPS, SIGBUS, BUS ERR, BUG)", async () => {
    const o = await dmasim(["matrix", "scenarios/seed-mmap.yaml", "--platforms", "x86_64-xen-pv", "--set", "mem=1G", "--set", "swiotlb=1048576"]);
    expect(o.code).toBe(1);
    expect(o.stderr).toBe("");
    const lines = o.stdout.split("\n");
    expect(lines[2]).toBe("x86_64-xen-pv  -       -       -       -       -       linear  linear  linear  linear  linear");
    expect(lines[3]).toBe("               PANIC   PANIC   PANIC   PANIC   PANIC");
    const key = lines.slice(lines.findIndex((l) => l.startsWith("cell: "))).join(" ");
    expect(key).toContain("a fault (OOPS, BUG, PANIC, SIGBUS, SIGSEGV, BUS ERR, LOCKUP, HANG, BADPAGE, KASAN, SLUB), WRONG (or NO DATA)");
  });
});

describe("bench --help lists the kernels bench takes", () => {
  it("5.13 … 6.18, not 5.6 and 5.10 (map_benchmark.c came in 5.11: --kernel 5.6 is a usage error)", async () => {
    const h = await dmasim(["bench", "--help"]);
    expect(h.code).toBe(0);
    const help = h.stdout.replace(/\s+/g, " ");
    expect(help).toContain("--kernel <version> kernel version: 5.13, 5.14, 5.15, 5.19, 6.1, 6.6, 6.12, 6.18 (map_benchmark came in 5.11) (default: 5.19)");
    const bad = await dmasim(["bench", "--kernel", "5.10"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("dmasim: --kernel: Linux 5.10 has no dma_map_benchmark (kernel/dma/map_benchmark.c came in 5.11; use 5.13 or later)\n");
  });
});
