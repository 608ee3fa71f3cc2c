/**
 * User space past the end of an mmap: no user PTE, so the access is SIGSEGV (SEGV_MAPERR), not SIGBUS
 * (found by the stop-23 walk: it was recorded as `sigbus` with "no mapping (SIGSEGV)" in its text).
 * SIGBUS stays what it is: a PTE whose frame is not RAM (seed-mmap on rpi4-xen 5.13).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenarioText, runScenario } from "../src/index.js";
import { runVerdict } from "../src/core/faults.js";
import { ROOT } from "./helpers.js";

const pastTheEnd = (expectFault: string) => `
name: read past a 4 KiB mmap
platform: rpi4
kernel: "6.12"
steps:
  - op: dma_alloc_coherent
    size: 4K
    as: buf
  - op: dma_mmap_coherent
    buf: buf
    as: umap
  - op: device_write
    buf: buf
    offset: 4092
    data: "tail"
  - op: user_read
    map: umap
    offset: 4092
    length: 8
    expect: { fault: ${expectFault} }
`;

describe("a user access with no mapping is SIGSEGV", () => {
  it("a read that runs 4 bytes past a 4 KiB mmap: sigsegv at the first unmapped address, the run's verdict FAULT", () => {
    const r = runScenario(parseScenarioText(pastTheEnd("none"), "past.yaml"));
    const f = r.faults.filter((x) => x.kind === "sigsegv");
    expect(f).toHaveLength(1);
    expect(r.faults.some((x) => x.kind === "sigbus")).toBe(false);
    // the mapping's first page is readable; the fault is at its end, page-aligned
    const umapStart = BigInt(f[0]!.addr!) - 4096n;
    expect(umapStart % 4096n).toBe(0n);
    expect(f[0]!.message).toBe(`no mapping at user address ${f[0]!.addr} (SEGV_MAPERR)`);
    expect(runVerdict(r)).toBe("FAULT");
  });

  it("expect: { fault: sigsegv } holds, and fault: sigbus does not", () => {
    expect(runVerdict(runScenario(parseScenarioText(pastTheEnd("sigsegv"), "past.yaml")))).toBe("PASS");
    expect(runVerdict(runScenario(parseScenarioText(pastTheEnd("sigbus"), "past.yaml")))).toBe("FAULT");
  });

  it("a PTE onto a frame that is not RAM is still SIGBUS (seed-mmap, rpi4-xen 5.13)", () => {
    const s = parseScenarioText(readFileSync(join(ROOT, "scenarios/seed-mmap.yaml"), "utf8"), "seed-mmap.yaml");
    const r = runScenario(s);
    expect(r.faults.map((x) => x.kind)).toContain("sigbus");
    expect(r.faults.map((x) => x.kind)).not.toContain("sigsegv");
  });
});
