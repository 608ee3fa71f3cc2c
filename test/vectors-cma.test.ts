/**
 * Replays the cma vectors (tools/kernel-vectors/cma: cma_alloc, cma_release and their helpers
 * extracted unmodified from the mm/cma.c of 5.6.4, 5.15.178, 6.12.19 and 6.18.35 and compiled in user
 * space) through dmasim's mm/cma.ts on a booted kernel of that version, call by call: the pfn every
 * cma_alloc returned (or NULL), what every cma_release returned, the bitmap (set bits and an FNV-1a
 * hash), 6.18's available_count, and every line printed — the failure message, its ratelimit, and
 * cma_debug_show_areas (compiled out to 6.8, printed from 6.9).
 */
import { describe, expect, it } from "vitest";
import { bootK, runYaml } from "./helpers.js";
import { CmaArea, cma_alloc, cma_release } from "../src/mm/cma.js";
import { expectDistinctBehaviours, vectorSet, versionId } from "./vector-files.js";

type Msg = [string, string];
type Op = ["a", number, number, number, number | null, number, number | null, string, Msg[]] | ["r", number, number, number, number, number | null, string, Msg[]];
interface Run { mode: string; seed: number; base_pfn: number; count: number; order_per_bit: number; ops: Op[] }
interface VecFile { target: string; tree: string; commit: string; version: string; file: string; runs: Run[] }

const SET = vectorSet<VecFile>("cma");
const { files, load } = SET;

/** the driver's hash: FNV-1a over the bitmap's cma_bitmap_maxno bits, one byte (0/1) each */
function bitmapHash(a: CmaArea): string {
  let h = 2166136261;
  for (const b of a.bitmap) {
    h ^= b;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * The printk calls the driver recorded, as printk turns them into log lines: a pr_cont continues the
 * line before it while that line has no "\n" yet, else it starts a record of its own at the default
 * level (warn); any other call first ends an unfinished line. A "suppressed" call (past its
 * ratelimit burst) prints nothing.
 */
function lines(msgs: Msg[]): { level: string; message: string }[] {
  const out: { level: string; message: string }[] = [];
  let open = false;
  for (const [level, text] of msgs) {
    if (level === "suppressed") continue;
    if (level === "cont" && open) out[out.length - 1]!.message += text;
    else out.push({ level: level === "cont" ? "warn" : level, message: text });
    open = true;
    const last = out[out.length - 1]!;
    if (last.message.endsWith("\n")) {
      last.message = last.message.slice(0, -1);
      open = false;
    }
  }
  return out;
}

function replay(v: VecFile, run: Run): { allocs: number; fails: number; releases: number; refused: number; lines: number } {
  const vid = versionId(v.version);
  const k = bootK("rpi4", vid);
  const area = new CmaArea("reserved", run.base_pfn, run.count, run.order_per_bit);
  const n = { allocs: 0, fails: 0, releases: 0, refused: 0, lines: 0 };
  for (let i = 0; i < run.ops.length; i++) {
    const op = run.ops[i]!;
    const where = `${v.tree} ${v.version} ${run.mode} op ${i} ${JSON.stringify(op).slice(0, 200)}`;
    const before = k.klog.length;
    let state: unknown[];
    if (op[0] === "a") {
      const page = cma_alloc(k, area, op[1], op[2], op[3] !== 0);
      const pfn = page ? k.arch.page_to_pfn(page) : null;
      expect(pfn, where).toBe(op[4]);
      state = [op[5], op[6] === null ? null : area.available_count, op[7]];
      expect(state, where).toEqual([area.used(), op[6], bitmapHash(area)]);
      if (pfn === null) n.fails++;
      else n.allocs++;
    } else {
      const ok = cma_release(k, area, op[1], op[2]);
      expect(ok ? 1 : 0, where).toBe(op[3]);
      expect([area.used(), op[5] === null ? null : area.available_count, bitmapHash(area)], where).toEqual([op[4], op[5], op[6]]);
      if (ok) n.releases++;
      else n.refused++;
    }
    const want = lines(op[op.length - 1] as Msg[]);
    expect(k.klog.slice(before).map((l) => ({ level: l.level, message: l.message })), where).toEqual(want);
    n.lines += want.length;
  }
  return n;
}

describe("cma vectors: the trees' own cma_alloc / cma_release replayed through dmasim", () => {
  it("the vector files are the four distinct behaviours, each of a modelled version", () => {
    expectDistinctBehaviours(SET, ["cma-5.15.178.json.gz", "cma-5.6.4.json.gz", "cma-6.12.19.json.gz", "cma-6.18.35.json.gz"]);
  });

  for (const f of files) {
    const v = load(f);
    describe(`${v.version} (${v.tree} ${v.commit.slice(0, 12)})`, () => {
      for (const run of v.runs)
        it(`${run.mode}: base pfn ${run.base_pfn.toString(16)}, ${run.count} pages, order_per_bit ${run.order_per_bit}, ${run.ops.length} calls`, () => {
          const n = replay(v, run);
          // the runs reach what they are for: allocations and failures, releases, refused releases in the misuse runs
          expect(n.allocs, "allocations").toBeGreaterThan(50);
          expect(n.fails, "failed allocations").toBeGreaterThan(10);
          expect(n.releases, "releases").toBeGreaterThan(50);
          if (run.mode.startsWith("misuse")) expect(n.refused, "refused releases").toBeGreaterThan(5);
          expect(n.lines, "lines printed").toBeGreaterThan(5);
        });
    });
  }

  it("6.12 and 6.18 print the area's free runs after the failure (cma_debug_show_areas), 5.x and 6.6 do not", () => {
    const v612 = load("cma-6.12.19.json.gz").runs[0]!.ops.find((o) => o[0] === "a" && o[4] === null && o[8].length > 0)!;
    const l612 = lines(v612[8] as Msg[]);
    expect(l612).toHaveLength(2);
    expect(l612[1]!.message).toMatch(/^cma: number of available pages: \d+@\d+(\+\d+@\d+)*=> \d+ free of 4096 total pages$/);
    const v618 = load("cma-6.18.35.json.gz").runs[0]!.ops.find((o) => o[0] === "a" && o[4] === null && o[8].length > 0)!;
    expect(lines(v618[8] as Msg[]).map((l) => l.level)).toEqual(["err", "info", "info", "info", "warn"]);
    for (const f of ["cma-5.6.4.json.gz", "cma-5.15.178.json.gz"])
      for (const run of load(f).runs) for (const op of run.ops) expect((op[op.length - 1] as Msg[]).every(([lvl]) => lvl === "err" || lvl === "suppressed"), f).toBe(true);
  });

  it("through the DMA API (rpi4, cma=4M, a 4 MiB dma_alloc_coherent after boot's atomic pools took bits 0-383): the free runs follow the failure from 6.12", () => {
    const y = `name: t\nconfig: { cma: 4M }\nsteps:\n  - { op: dma_alloc_coherent, size: 4M, as: a }\n`;
    const step0 = (kernel: string) => (runYaml(y, { platform: "rpi4", kernel }).log ?? []).filter((l) => l.step === 0).map((l) => `${l.level} ${l.message}`);
    expect(step0("6.6")).toEqual(["err cma: cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12"]);
    expect(step0("6.12")).toEqual(["err cma: __cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -12", "info cma: number of available pages: 640@384=> 640 free of 1024 total pages"]);
    expect(step0("6.18")).toEqual([
      "err cma: __cma_alloc: reserved: alloc failed, req-size: 1024 pages, ret: -16",
      "info cma: number of available pages: ",
      "info cma: range 0: +640@384",
      "info cma: ",
      "warn => 640 free of 1024 total pages",
    ]);
  });
});
