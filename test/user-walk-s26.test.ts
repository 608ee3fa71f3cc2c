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
    expect(key).toContain("a fault (OOPS, BUG, PANIC, SIGBUS, SIGSEGV, BUS ERR, LOCKUP, HANG, BADPAGE, KASAN), WRONG (or NO DATA)");
  });
});
