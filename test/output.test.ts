/**
 * Output plumbing: escaping of control characters (src/format/escape.ts, the stream boundary in
 * src/cli/io.ts), the progress writer (src/cli/progress.ts) on a fake terminal and a fake pipe,
 * and run rendering that stays linear in the number of steps (src/format/run.ts).
 */
import { describe, expect, it } from "vitest";
import { escapeControls, escapeControlsKeepColor, hasControls } from "../src/format/escape.js";
import { makeColors } from "../src/format/style.js";
import { Progress } from "../src/cli/progress.js";
import { escapingStream, rawStream } from "../src/cli/io.js";
import { renderRunText } from "../src/format/run.js";
import { runScenario } from "../src/scenario/runner.js";
import { mapUnmapLoop } from "./big-scenario.js";
import { runYaml } from "./helpers.js";

describe("escapeControls", () => {
  it("shows C0, DEL, C1, bidi controls and separators as escapes; keeps text, newline and tab", () => {
    expect(escapeControls("a\u001b]0;title\u0007b")).toBe("a\\x1b]0;title\\x07b");
    expect(escapeControls("\u001b]8;;https://x/\u001b\\link\u001b]8;;\u001b\\")).toBe("\\x1b]8;;https://x/\\x1b\\link\\x1b]8;;\\x1b\\");
    expect(escapeControls("cr\rdel\u007fcsi\u009bnel\u0085")).toBe("cr\\x0ddel\\x7fcsi\\u009bnel\\u0085");
    expect(escapeControls("\u202eabc\u2066\u2069\u200f\u2028")).toBe("\\u202eabc\\u2066\\u2069\\u200f\\u2028");
    expect(escapeControls("line 1\n\tline 2 — ünïcödé ✓ │")).toBe("line 1\n\tline 2 — ünïcödé ✓ │");
    expect(hasControls("plain")).toBe(false);
    expect(hasControls("x\u0000")).toBe(true);
  });

  it("C1 and bidi escapes are JSON escapes too: JSON output stays parseable", () => {
    const json = JSON.stringify({ s: "a\u0085b\u202ec\u001b" });
    expect(JSON.parse(escapeControls(json))).toEqual({ s: "a\u0085b\u202ec\u001b" });
  });

  it("with colour on, dmasim's own SGR sequences pass and nothing else does", () => {
    const c = makeColors(true);
    const colored = `${c.bold(c.red("FAULT"))} ${c.dim("note")}`;
    expect(escapeControlsKeepColor(colored)).toBe(colored);
    expect(escapeControlsKeepColor(`${c.green("ok")} \u001b]0;t\u0007 \u001b[2J \u001b[8m`)).toBe(`${c.green("ok")} \\x1b]0;t\\x07 \\x1b[2J \\x1b[8m`);
  });
});

/** A stream that records what is written. */
function fakeStream(isTTY: boolean, columns = 40) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => (writes.push(s), true) };
}

describe("the output boundary", () => {
  it("escapingStream escapes every string written; rawStream reaches the stream behind it", () => {
    const f = fakeStream(false);
    const s = escapingStream(f as unknown as NodeJS.WriteStream, {});
    s.write("name \u001b]0;x\u0007\n");
    expect(f.writes).toEqual(["name \\x1b]0;x\\x07\n"]);
    expect(s.isTTY).toBe(false);
    rawStream(s).write("\r\u001b[2K");
    expect(f.writes[1]).toBe("\r\u001b[2K");
  });
});

describe("Progress", () => {
  it("on a terminal: one line rewritten in place, clipped to the width, throttled, erased by done()", () => {
    const f = fakeStream(true, 30);
    let t = 0;
    const p = new Progress(f, () => t, 100);
    p.update("matrix [1/9] rpi4 5.13 a scenario with a long name");
    t = 50;
    p.update("matrix [2/9] skipped by the throttle");
    t = 150;
    p.update("fuzz \u001b]0;x\u0007 100/200");
    p.update("forced", true);
    p.done();
    expect(f.writes).toEqual([
      "\r\u001b[2Kmatrix [1/9] rpi4 5.13 a sce…",
      "\r\u001b[2Kfuzz \\x1b]0;x\\x07 100/200",
      "\r\u001b[2Kforced",
      "\r\u001b[2K",
    ]);
    expect(f.writes.every((w) => !w.includes("\n"))).toBe(true);
    expect(f.writes[0]!.length - "\r\u001b[2K".length).toBe(29);
  });

  it("on a pipe or a file: writes nothing at all", () => {
    const f = fakeStream(false);
    const p = new Progress(f, () => 0, 0);
    expect(p.enabled).toBe(false);
    p.update("matrix [1/2]", true);
    p.done();
    expect(f.writes).toEqual([]);
  });
});

describe("run rendering is linear in the number of steps", () => {
  /**
   * Render a run of `steps` steps and count every property read of its step, fault, diagnostic
   * and expectation lists and of their elements (proxies): the work, without a clock, so the
   * test does not depend on the machine's load.
   */
  function renderReads(steps: number): { reads: number; text: string } {
    const r = runScenario(mapUnmapLoop(steps / 2), {});
    expect(r.ok).toBe(true);
    expect(r.steps).toHaveLength(steps + 1);
    let reads = 0;
    const counted = <T extends object>(o: T): T =>
      new Proxy(o, {
        get(t, p, rcv) {
          reads++;
          return Reflect.get(t, p, rcv);
        },
      });
    const list = <T extends object>(xs: T[]): T[] => counted(xs.map((x) => counted(x)));
    const watched = { ...r, steps: list(r.steps), faults: list(r.faults), diagnostics: list(r.diagnostics), expectations: list(r.expectations) };
    const text = renderRunText(watched, {});
    return { reads, text };
  }

  it("4× the steps reads the run's lists about 4× as often (the old per-step scans of every expectation: ~16×; 20k steps took 4050 ms vs 411 ms for 5k)", () => {
    const small = renderReads(5_000);
    const big = renderReads(20_000);
    expect(big.text.split("\n").length).toBeGreaterThan(20_000);
    expect(big.text).toMatch(/^PASS: 20001\/20001 steps ran, 10000\/10000 expectations held$/m);
    expect(small.reads).toBeGreaterThan(5_000);
    expect(big.reads / small.reads).toBeLessThan(4.5);
  }, 120_000);
});

describe("a fault message of several lines (an IOMMU's report) in the run's text", () => {
  it("is printed once under its step, its driver's lines indented with it, and says what the IOMMU did", () => {
    const r = runYaml(
      'name: r\nplatform: x86_64-iommu\nkernel: "6.1"\nsteps:\n  - { op: kmalloc, size: 64, as: b }\n  - { op: dma_map_single, buf: b, size: 64, dir: DMA_FROM_DEVICE, as: m }\n  - { op: device_read, map: m, length: 4 }\n',
    );
    const text = renderRunText(r);
    const step = text.slice(text.indexOf("#2  device_read"), text.indexOf("\nFAULT:"));
    // VT-d maps DMA_FROM_DEVICE write-only: a permission fault (reason 6), not a missing translation
    expect(step.split("BUS_ERROR:").length - 1).toBe(1);
    expect(step).toContain("the IOMMU faults the access at 0xfffff000 (no translation, or not with this permission) and terminates the transaction; its driver prints:");
    expect(step).toContain("\n        DMAR: [DMA Read NO_PASID] Request device [02:00.0] fault addr 0xfffff000 [fault reason 0x06] PTE Read access is not set");
    expect(step).not.toContain("\nDMAR:");
  });
});
