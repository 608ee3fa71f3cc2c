/**
 * `dmasim kernels` (src/format/lists.ts) on the built CLI: every modelled version 5.6 → 6.18 with
 * its tree and notes, every modelled change once under its subsystem (src/switches/*.ts) with its
 * commit, release and effect; `kernels <version>` shows what changed since the previous modelled
 * version; stable backports are shown on the switch; every command's help lists the versions.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { dmasim, dmasimOnce, ensureBuilt } from "./cli-spawn.js";
import { SWITCHES, VERSIONS, versionNumber, type KernelVersion, type Switch } from "../src/versions.js";
import { ARCH_SWITCHES } from "../src/switches/arch.js";
import { DMA_SWITCHES } from "../src/switches/dma.js";
import { IOMMU_SWITCHES } from "../src/switches/iommu.js";
import { MM_SWITCHES } from "../src/switches/mm.js";
import { SWIOTLB_SWITCHES } from "../src/switches/swiotlb.js";
import { XEN_SWITCHES } from "../src/switches/xen.js";
import { renderKernel, renderKernels, kernelJson, shownCommit } from "../src/format/lists.js";
import { PLATFORMS } from "../src/platforms/index.js";

beforeAll(() => ensureBuilt(), 120_000);

const TABLES: [string, Record<string, Switch>][] = [
  ["arch", ARCH_SWITCHES],
  ["mm", MM_SWITCHES],
  ["dma", DMA_SWITCHES],
  ["swiotlb", SWIOTLB_SWITCHES],
  ["xen", XEN_SWITCHES],
  ["iommu", IOMMU_SWITCHES],
];

describe.concurrent("dmasim kernels", () => {
  it("text: 5.6 → 6.18 with trees and notes, then every change once under its subsystem", async () => {
    const o = await dmasimOnce(["kernels"]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).toBe("");
    const out = o.stdout;
    expect(out.split("\n")[0]).toBe(`${VERSIONS.length} kernel versions, 5.6 → 6.18 (default 5.19)`);
    // one line per version, in release order, naming its tree
    const heads = out.split("\n").filter((l) => VERSIONS.some((v) => l.startsWith(v.id + " ")));
    expect(heads.map((l) => l.split(" ")[0])).toEqual(VERSIONS.map((v) => v.id));
    for (const v of VERSIONS) expect(heads.find((l) => l.startsWith(v.id + " "))).toContain(v.tree);
    const gained61 = [...VERSIONS.find((v) => v.id === "6.1")!.switches].filter((c) => !VERSIONS.find((v) => v.id === "5.19")!.switches.has(c)).length;
    expect(out).toMatch(new RegExp(`^6\\.1 +unifreq/linux-6\\.1\\.y @525d1212a677 \\(6\\.1\\.166\\)\\n {6}\\[\\+${gained61} since 5\\.19\\] LTS 6\\.1: `, "m"));
    const wide = out.split("\n").filter((l) => [...l].length > 100);
    expect(wide, wide.join("\n")).toEqual([]);
    expect(out).toMatch(/^5\.19 \(default\) +yishangzhang\/linux-5\.19 @4a8550523ce9 \(5\.19\.0\)/m);
    // the changes: each subsystem's heading, then its switches (release, commit, title), each once
    // a subject too long for 100 columns goes on under the commit id: read the section with its continuation lines joined
    const changes = out.slice(out.indexOf("modelled changes, by subsystem")).replace(/\n {6,}/g, " ");
    for (const [id, table] of TABLES) {
      const list = Object.values(table);
      if (!list.length) continue;
      const at = changes.indexOf(`\n${id}  `);
      expect(at, id).toBeGreaterThan(0);
      for (const s of list) {
        const line = `  ${s.release.padEnd(5)} ${shownCommit(s)} ${s.title}`;
        expect(changes.split(line).length - 1, line).toBe(1);
        const i = changes.indexOf(line);
        // under its own subsystem: the nearest heading above it is this table's
        const before = changes.slice(0, i);
        const nearest = TABLES.map(([g]) => [g, before.lastIndexOf(`\n${g}  `)] as const).sort((a, b) => b[1] - a[1])[0]![0];
        expect(nearest, s.commit).toBe(id);
      }
    }
    expect(changes).toContain("dma_common_mmap / dma_common_get_sgtable use dma_common_vaddr_to_page");
  });

  it("kernels 5.15: the changes since 5.14, and only those; --json the same with full switches", async () => {
    const [t, j] = await Promise.all([dmasim(["kernels", "5.15"]), dmasim(["kernels", "5.15", "--json"])]);
    expect(t.code, t.stderr).toBe(0);
    const v515 = VERSIONS.find((v) => v.id === "5.15")!;
    const v514 = VERSIONS.find((v) => v.id === "5.14")!;
    const gained = Object.values(SWITCHES).filter((s) => v515.switches.has(s.commit) && !v514.switches.has(s.commit));
    expect(gained.map((s) => s.commit)).toContain("c81be74e7d79");
    expect(t.stdout.split("\n")[0]).toBe(`5.15  ${v515.tree}`);
    expect(t.stdout).toContain(`since 5.14: ${gained.length} changes in`);
    for (const s of Object.values(SWITCHES)) expect(t.stdout.includes(s.commit), s.commit).toBe(gained.includes(s));
    const k = JSON.parse(j.stdout) as ReturnType<typeof kernelJson>;
    expect(k.previous).toBe("5.14");
    expect(k.tree).toBe(v515.tree);
    expect(k.gained.map((s) => s.commit).sort()).toEqual(gained.map((s) => s.commit).sort());
    expect(k.gained.find((s) => s.commit === "c81be74e7d79")).toMatchObject({ release: "5.15", subsystem: "dma" });
    expect(k.switches).toHaveLength(v515.switches.size);
  });

  it("kernels --json: every version with tree, previous and gained; the subsystems; every switch", async () => {
    const o = await dmasimOnce(["kernels", "--json"]);
    expect(o.code, o.stderr).toBe(0);
    const k = JSON.parse(o.stdout) as { default: string; versions: { id: string; tree: string; previous: string | null; gained: string[] }[]; subsystems: { id: string; switches: string[] }[]; switches: { commit: string; release: string; subsystem: string }[] };
    expect(k.default).toBe("5.19");
    expect(k.versions.map((v) => [v.id, v.tree])).toEqual(VERSIONS.map((v) => [v.id, v.tree]));
    expect(k.versions.map((v) => v.previous)).toEqual([null, ...VERSIONS.slice(0, -1).map((v) => v.id)]);
    expect(k.versions.find((v) => v.id === "5.14")!.gained).toEqual(["1a88ef87f861", "3b12e7e97938", "40ac971eab89", "44042b449872", "65ebdeef103f", "792702911f58", "7d5b5738d151", "86d1919a4fb0", "b92ca18e8ca5", "f227f0faf63b"]);
    expect(k.switches.map((s) => s.commit).sort()).toEqual(Object.keys(SWITCHES).sort());
    for (const [id, table] of TABLES) if (Object.keys(table).length) expect(k.subsystems.find((g) => g.id === id)!.switches.sort()).toEqual(Object.keys(table).sort());
    // in release order
    const rel = k.switches.map((s) => versionNumber(s.release));
    expect(rel).toEqual([...rel].sort((a, b) => a - b));
  });

  it("an unknown version is one line and exit 2; every command's --help lists the versions", async () => {
    const bad = await dmasim(["kernels", "7.0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`dmasim: unknown kernel '7.0' (modelled: ${VERSIONS.map((v) => v.id).join(", ")})\n`);
    const ids = VERSIONS.map((v) => v.id).join(", ");
    const helps = await Promise.all(["run", "matrix", "explain", "bench", "fuzz", "kernels"].map((c) => dmasimOnce([c, "--help"])));
    // bench lists only the versions with kernel/dma/map_benchmark.c (5.11+): --kernel 5.6 / 5.10 are usage errors there
    const benchIds = VERSIONS.filter((v) => versionNumber(v.id) >= versionNumber("5.11"))
      .map((v) => v.id)
      .join(", ");
    for (const [i, h] of helps.entries()) {
      expect(h.code).toBe(0);
      expect(h.stdout.replace(/\s+/g, " ")).toContain(i === 3 ? `kernel version: ${benchIds} (` : ids);
    }
  });

  it("commands take the 6.x versions: explain, matrix, bench and fuzz on 6.18", async () => {
    const [e, m, b, f] = await Promise.all([
      dmasim(["explain", "dma_alloc_coherent", "--platform", "rpi4", "--kernel", "6.18", "--json"]),
      dmasim(["matrix", "scenarios/seed-mmap.yaml", "--platforms", "rpi4-xen", "--kernels", "6.1,6.6,6.12,6.18", "--json"]),
      dmasim(["bench", "-t", "1", "-s", "1", "--platform", "x86_64", "--kernel", "6.12", "--json"]),
      dmasim(["fuzz", "--seed", "1", "--steps", "500", "--platform", "rpi4", "--kernel", "6.6", "--json"]),
    ]);
    expect(e.code, e.stderr).toBe(0);
    expect((JSON.parse(e.stdout) as { kernel: string }).kernel).toBe("6.18");
    expect(m.code, m.stderr).toBe(0);
    expect((JSON.parse(m.stdout) as { kernels: string[] }).kernels).toEqual(["6.1", "6.6", "6.12", "6.18"]);
    expect(b.code, b.stderr).toBe(0);
    expect((JSON.parse(b.stdout) as { kernel: string }).kernel).toBe("6.12");
    expect(f.code, f.stderr).toBe(0);
    expect((JSON.parse(f.stdout) as { kernel: string; ops: number }).kernel).toBe("6.6");
  });
});

describe.concurrent("matrix over every kernel (a pipe: 100 columns)", () => {
  it("ten kernels do not fit a box table: the compact form, each failure once with where it happened", async () => {
    const o = await dmasim(["matrix", "scenarios/seed-mmap.yaml"]);
    expect(o.code).toBe(1); // rpi4-xen before 5.14 fails
    const wide = o.stdout.split("\n").filter((l) => [...l].length > 100);
    expect(wide, wide.join("\n")).toEqual([]);
    const ids = VERSIONS.map((v) => v.id);
    expect(o.stdout).toContain("\nplatform        " + ids.map((k) => k.padEnd(8)).join("").trimEnd() + "\n");
    expect(o.stdout).toContain("\nrpi4-xen        " + "vmalloc ".repeat(ids.length).trimEnd() + "\n" + " ".repeat(16) + "SIGBUS  SIGBUS  SIGBUS\n");
    expect(o.stdout).toContain("  - user_read: sigbus — rpi4-xen (5.6, 5.10, 5.13)\n");
    expect(o.stdout).toContain(`${PLATFORMS.length * ids.length} runs: ${PLATFORMS.length * ids.length - 3} PASS, 3 FAULT`);
    // two kernels still fit: the box table
    const two = await dmasimOnce(["matrix", "scenarios/seed-mmap.yaml", "--platforms", "rpi4-xen", "--kernels", "5.13,5.14"]);
    expect(two.stdout).toMatch(/│ rpi4-xen │ FAULT vmalloc\s+│ PASS vmalloc │/);
  });
});

describe("kernels renderer: stable backports and absences", () => {
  // a switch released in 5.19 that the 5.15 tree carries as a stable backport, and one 5.14 lacks
  const sw: Record<string, Switch> = {
    aaaaaaaaaaaa: { commit: "aaaaaaaaaaaa", title: "dma-direct: a later fix", release: "5.19", effect: "the fixed behaviour", stable: { "5.15": "5.15.40: bbbbbbbbbbbb" } },
    cccccccccccc: { commit: "cccccccccccc", title: "swiotlb: reverted in one tree", release: "5.13", effect: "another behaviour", absent: { "5.14": "reverted in 5.14-rc5" } },
  };
  const mk = (id: string, has: string[]): KernelVersion => ({ id, switches: new Set(has), tree: `tree-${id}`, notes: `notes ${id}` });
  const versions = [mk("5.13", ["cccccccccccc"]), mk("5.14", []), mk("5.15", ["aaaaaaaaaaaa", "cccccccccccc"]), mk("5.19", ["aaaaaaaaaaaa", "cccccccccccc"])];

  it("shows the stable commit and the absence on the switch, and the version deltas they cause", () => {
    const all = renderKernels(versions, sw, "5.19");
    expect(all).toContain("stable: 5.15 carries it (5.15.40: bbbbbbbbbbbb)");
    expect(all).toContain("absent in 5.14: reverted in 5.14-rc5");
    expect(all).toMatch(/^other {2}other$/m); // neither is in a src/switches/ table
    const t515 = renderKernel(versions, sw, "5.19", versions[2]!);
    expect(t515).toContain("since 5.14: 2 changes in");
    expect(t515).toContain("+ 5.19  aaaaaaaaaaaa dma-direct: a later fix");
    const t514 = renderKernel(versions, sw, "5.19", versions[1]!);
    expect(t514).toContain("since 5.13: 0 changes in, 1 out");
    expect(t514).toContain("− 5.13  cccccccccccc swiotlb: reverted in one tree");
    const t519 = renderKernel(versions, sw, "5.19", versions[3]!);
    expect(t519).toContain("none of the modelled changes: 5.19 runs 5.15's switches");
    expect(kernelJson(versions, sw, "5.19", versions[2]!).gained.map((s) => s.stable)).toEqual([{}, { "5.15": "5.15.40: bbbbbbbbbbbb" }]); // release order: 5.13, 5.19
  });
});
